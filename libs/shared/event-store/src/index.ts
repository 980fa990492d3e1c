export * from './event-store.port';
export * from './upcasters';
export * from './catch-up-subscription';
export * from './sqlite-event-store.adapter';
export * from './in-memory-projection';
