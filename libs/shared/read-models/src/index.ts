export * from './read-model-store.port';
export * from './in-memory-read-model-store.adapter';
export * from './sqlite-read-model-store.adapter';
export * from './projection-runner';
export * from './examples/consultations-by-patient.projection';
