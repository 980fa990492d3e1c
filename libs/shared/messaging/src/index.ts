export * from './message-bus.port';
export * from './in-process-message-bus.adapter';
export * from './outbox';
export * from './inbox';
export * from './broadcast-bus.port';
export * from './in-process-broadcast-bus.adapter';
