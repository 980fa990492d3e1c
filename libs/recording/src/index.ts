export { RecordingModule } from './recording.module.js';
export { objectKeyOf } from './application/store-recording.handler.js';
export * from './application/call-binding.queries.js';
export * from './domain/call-binding.js';
export * from './domain/recording.decider.js';
export * from './domain/recording.errors.js';
// The read model's definition, for the rebuild tool.
export { recordingCallBindingsProjection, RECORDING_CALLS, RECORDING_BOOKINGS } from './infrastructure/call-bindings.projection.js';
