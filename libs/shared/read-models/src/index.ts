export * from './read-model-store.port.js';
export * from './in-memory-read-model-store.adapter.js';
export * from './sqlite-read-model-store.adapter.js';
export * from './projection-runner.js';
export * from './examples/consultations-by-patient.projection.js';
