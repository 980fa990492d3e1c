export * from './object-store.port';
export * from './fs-object-store.adapter';
