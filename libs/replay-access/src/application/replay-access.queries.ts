import { type ConsentShare, type RecordingFacts, type Viewer } from '../domain/access-policy.js';
import { type AccessFacts, type IssuedGrant } from '../domain/access.decider.js';

/** The projection behind these queries: wait on it (READ_MODEL_FRESHNESS) to read your own writes. */
export const REPLAY_READ_MODELS = 'replay-access-read-models';

/** What replay-access reads from its read models; every answer is a copy of its own store's events. */
export interface ReplayAccessQueries {
  /** One recording with the booking facts of its consultation (null until they arrive). */
  recording(recordingId: string): Promise<RecordingFacts | null>;
  /**
   * Candidates for the viewer's list, in a constant number of indexed queries: the recordings of their clinic
   * they are the patient or clinician of or were ever given a share of, and every share given to them
   * (revoked and expired ones included). Everyone else's recordings could never be allowed; the access
   * policy decides which candidates are shown.
   */
  listCandidates(viewer: Viewer): Promise<AccessFacts>;
  /** Every share of these recordings, revoked and expired ones included. */
  sharesOf(recordingIds: readonly string[]): Promise<ConsentShare[]>;
  /**
   * The grant behind a token hash. Given `now`, a grant expired for longer than the prune grace answers
   * exactly like a token never issued, and is dropped from the read model.
   */
  grant(tokenSha256: string, now?: Date): Promise<IssuedGrant | null>;
  /** Housekeeping: drops every grant expired for longer than the grace; answers how many went. */
  pruneGrants(now: Date): Promise<number>;
  /** How many grants the read model holds. */
  grantCount(): Promise<number>;
}

export const REPLAY_ACCESS_QUERIES = Symbol('REPLAY_ACCESS_QUERIES');
