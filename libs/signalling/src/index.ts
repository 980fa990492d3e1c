export { SignallingModule } from './signalling.module.js';
export * from './domain/call.decider.js';
export * from './domain/call.errors.js';
export type { ClientMessage, SignallingErrorCode } from './api/signalling.messages.js';
export { MAX_FRAME_BYTES } from './api/signalling.messages.js';
export { SIGNALLING_CONFIG } from './application/signalling.config.js';
// The read models' definitions, for the rebuild tool.
export { signallingConsultationsProjection, SIGNALLING_CONSULTATIONS } from './infrastructure/consultations.projection.js';
export { signallingCallsProjection, SIGNALLING_CALLS, SIGNALLING_ACTIVE_CALLS } from './infrastructure/calls.projection.js';
