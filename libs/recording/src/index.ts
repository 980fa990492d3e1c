export { RecordingModule } from './recording.module';
export { RECORDING_READINESS } from './recording.runtime';
export { objectKeyOf } from './application/store-recording.handler';
export * from './domain/call-binding';
export * from './domain/recording.decider';
export * from './domain/recording.errors';
