export * from './message-bus.port';
export * from './in-process-message-bus.adapter';
export * from './outbox';
export * from './inbox';
