export * from './adapters-from-env.js';
export * from './bootstrap-service.js';
export * from './namespaced-message-bus.js';
