export * from './kafka-message-bus.adapter';
export * from './kafka-broadcast-bus.adapter';
