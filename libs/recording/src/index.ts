export { RecordingModule } from './recording.module';
export { objectKeyOf } from './application/store-recording.handler';
export * from './application/call-binding.queries';
export * from './domain/call-binding';
export * from './domain/recording.decider';
export * from './domain/recording.errors';
// The read model's definition, for the rebuild tool.
export { recordingCallBindingsProjection, RECORDING_CALLS, RECORDING_BOOKINGS } from './infrastructure/call-bindings.projection';
