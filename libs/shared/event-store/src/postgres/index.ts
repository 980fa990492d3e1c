export * from './postgres-event-store.adapter';
export { DEFAULT_EVENT_STORE_SCHEMA, migratePostgresEventStore, notificationChannel } from './postgres-schema';
export type { PostgresEventStoreMigration } from './postgres-schema';
