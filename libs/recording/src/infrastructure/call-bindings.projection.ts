import { BOOKING_FACT_EVENT_TYPES } from '@vgp/contracts';
import { bookingFactsHandler, type ProjectionDefinition, projectionHandler } from '@vgp/read-models';
import { CALL_BINDINGS_PROJECTION } from '../application/call-binding.queries.js';
import { CALL_FACT_EVENT_TYPES, type CallFact, type CallFactEvent, evolveCallFact } from '../domain/call-binding.js';

/** One document per call, by call id: what signalling told us about it. */
export const RECORDING_CALLS = 'recording_calls';
/** One document per consultation, by consultation id: who booking says it is between. */
export const RECORDING_BOOKINGS = 'recording_bookings';

// Both collections are keyed by their natural unique key (the call id, the consultation id): no further unique index.
const calls = projectionHandler<CallFact, CallFactEvent>({
  collection: RECORDING_CALLS,
  canHandle: CALL_FACT_EVENT_TYPES,
  keyOf: (event) => event.data.callId,
  evolve: evolveCallFact,
});

const bookings = bookingFactsHandler(RECORDING_BOOKINGS);

/** The inbox's copies of signalling's call events and booking's facts: what every upload is bound to. */
export const recordingCallBindingsProjection: ProjectionDefinition = {
  name: CALL_BINDINGS_PROJECTION,
  categories: ['inbox'],
  handlers: [calls, bookings],
};

/** What the inbox copies: exactly what the projection folds. */
export const BINDING_EVENT_TYPES: ReadonlySet<string> = new Set([...CALL_FACT_EVENT_TYPES, ...BOOKING_FACT_EVENT_TYPES]);
