import type { CallBinding } from '../domain/call-binding.js';

/** The projection the bindings are read from; wait on it (READ_MODEL_FRESHNESS) to read after the inbox's latest copy. */
export const CALL_BINDINGS_PROJECTION = 'recording-call-bindings';

/** What an upload is bound to, as the inbox last told us. */
export interface CallBindingQueries {
  /** The call bound to its booking; null when no such call is known here. */
  get(callId: string): Promise<CallBinding | null>;
}

export const CALL_BINDING_QUERIES = Symbol('CALL_BINDING_QUERIES');
