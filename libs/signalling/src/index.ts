export { SignallingModule } from './signalling.module';
export { SIGNALLING_READINESS } from './signalling.runtime';
export * from './domain/call.decider';
export * from './domain/call.errors';
export type { ClientMessage, SignallingErrorCode } from './api/signalling.messages';
export { MAX_FRAME_BYTES } from './api/signalling.messages';
