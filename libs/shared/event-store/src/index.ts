export * from './event-store.port.js';
export * from './upcasters.js';
export * from './catch-up-subscription.js';
export * from './sqlite-event-store.adapter.js';
export * from './command-handler.js';
export * from './event-processor.js';
export * from './writer-lease.port.js';
