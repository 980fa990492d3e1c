export * from './adapters-from-env';
export * from './bootstrap-service';
export * from './namespaced-message-bus';
