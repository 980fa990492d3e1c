export { SignallingModule } from './signalling.module';
export * from './domain/call.decider';
export * from './domain/call.errors';
export type { ClientMessage, SignallingErrorCode } from './api/signalling.messages';
export { MAX_FRAME_BYTES } from './api/signalling.messages';
export { SIGNALLING_CONFIG } from './application/signalling.config';
// The read models' definitions, for the rebuild tool.
export { signallingConsultationsProjection, SIGNALLING_CONSULTATIONS } from './infrastructure/consultations.projection';
export { signallingCallsProjection, SIGNALLING_CALLS, SIGNALLING_ACTIVE_CALLS } from './infrastructure/calls.projection';
