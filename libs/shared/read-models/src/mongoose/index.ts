export * from './mongoose-read-model-store.adapter.js';
