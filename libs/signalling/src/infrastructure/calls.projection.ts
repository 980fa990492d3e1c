import { type ProjectionDefinition, projectionHandler, type StoredOf } from '@vgp/read-models';
import { CALLS_READ_MODEL } from '../application/call.queries.js';
import { CALL_EVENT_TYPES, callDecider, type CallEvent, callIdOfStream, type OpenCall } from '../domain/call.decider.js';

/** One document per call, by call id: the call as the domain's own evolve folds it. */
export const SIGNALLING_CALLS = 'signalling_calls';
/** One document per consultation with a running call: `{ consultationId, callId }`. */
export const SIGNALLING_ACTIVE_CALLS = 'signalling_active_calls';

export type ActiveCall = { consultationId: string; callId: string };

/** Pure: the call after one event of its stream; null while it has not started. */
const foldCall = (doc: OpenCall | null, event: StoredOf<CallEvent>): OpenCall | null => {
  const after = callDecider.evolve(doc ?? callDecider.initialState(), event);
  return after.status === 'none' ? doc : after;
};

/**
 * Pure: which call of the consultation is active. Any event of a running call makes it the one;
 * its end clears the entry unless another call of the consultation took it over meanwhile.
 */
const foldActiveCall = (doc: ActiveCall | null, event: StoredOf<CallEvent>): ActiveCall | null => {
  const callId = callIdOfStream(event.streamId);
  if (!callId) return doc;
  if (event.type === 'CallEnded') return doc?.callId === callId ? null : doc;
  return { consultationId: event.data.consultationId, callId };
};

const byCall = projectionHandler<OpenCall, CallEvent>({
  collection: SIGNALLING_CALLS,
  indexes: [{ name: 'by_consultation', fields: ['consultationId'] }],
  canHandle: CALL_EVENT_TYPES,
  keyOf: (event) => callIdOfStream(event.streamId),
  evolve: foldCall,
});

const activeByConsultation = projectionHandler<ActiveCall, CallEvent>({
  collection: SIGNALLING_ACTIVE_CALLS,
  // A call runs for one consultation only, so at most one entry names it.
  indexes: [{ name: 'by_call', fields: ['callId'], unique: true }],
  canHandle: CALL_EVENT_TYPES,
  keyOf: (event) => (callIdOfStream(event.streamId) ? event.data.consultationId : null),
  evolve: foldActiveCall,
});

/** This service's `call` streams: every call, and the active call of each consultation. */
export const signallingCallsProjection: ProjectionDefinition = {
  name: CALLS_READ_MODEL,
  categories: ['call'],
  handlers: [byCall, activeByConsultation],
};
