export * from './object-store.port.js';
export * from './fs-object-store.adapter.js';
