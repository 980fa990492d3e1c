export * from './postgres-event-store.adapter.js';
export { DEFAULT_EVENT_STORE_SCHEMA, migratePostgresEventStore, notificationChannel } from './postgres-schema.js';
export type { PostgresEventStoreMigration } from './postgres-schema.js';
