export * from './decider-spec';
export * from './platform-client';
export * from './eventually';
export * from './contracts/event-store.contract';
export * from './contracts/integration-events.builder';
export * from './contracts/message-bus.contract';
export * from './contracts/object-store.contract';
export * from './services/test-services';
