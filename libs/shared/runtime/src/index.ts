export * from './adapters-from-env';
export * from './bootstrap-service';
