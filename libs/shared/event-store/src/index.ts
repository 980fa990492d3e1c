export * from './event-store.port';
export * from './upcasters';
export * from './catch-up-subscription';
export * from './sqlite-event-store.adapter';
export * from './command-handler';
export * from './event-processor';
