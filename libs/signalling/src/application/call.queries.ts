import { type OpenCall } from '../domain/call.decider.js';

/** The calls read model's name, for read-your-writes (`READ_MODEL_FRESHNESS.caughtUp`). */
export const CALLS_READ_MODEL = 'signalling-calls';

/** Calls as the read model holds them; callers wait on freshness first when they must see their own writes. */
export interface CallQueries {
  get(callId: string): Promise<OpenCall | null>;
  /** The consultation's running call, if any. */
  activeCallOf(consultationId: string): Promise<OpenCall | null>;
}
export const CALL_QUERIES = Symbol('SIGNALLING_CALL_QUERIES');
