export * from './kafka-message-bus.adapter.js';
export * from './kafka-broadcast-bus.adapter.js';
