export * from './message-bus.port.js';
export * from './in-process-message-bus.adapter.js';
export * from './outbox.js';
export * from './inbox.js';
export * from './broadcast-bus.port.js';
export * from './in-process-broadcast-bus.adapter.js';
