import { Inject, Injectable } from '@nestjs/common';
import { type Condition, READ_MODEL_STORE, type ReadModelPage, type ReadModelStore } from '@vgp/read-models';
import { type ConsentShare, type RecordingFacts, type Viewer } from '../domain/access-policy.js';
import { type AccessFacts, type IssuedGrant } from '../domain/access.decider.js';
import { type ReplayAccessQueries } from '../application/replay-access.queries.js';
import { REPLAY_COLLECTIONS, replayAccessProjection, type StoredRecording } from './replay-access.projection.js';

/**
 * How long a grant stays in the read model after it expired. Until then its token is refused as
 * `grant_expired` (naming its viewer); after, as `grant_unknown` (anonymous). The caller gets the same 404.
 * Grants live at most 300 s, so the read model holds at most the grants of the last ~15 minutes.
 */
export const GRANT_PRUNE_GRACE_MS = 10 * 60_000;

const isPrunable = (grant: IssuedGrant, now: Date): boolean => now.getTime() - Date.parse(grant.expiresAt) > GRANT_PRUNE_GRACE_MS;

/** The stream a pruning write is guarded by: one per grant, written once (see `prune`). */
const pruneGuardOf = (tokenSha256: string) => ({ streamId: `replay-grant-prune-${tokenSha256}`, revision: 0 });

/** The queries of replay-access over its read-model store. */
@Injectable()
export class ReadModelReplayAccessQueries implements ReplayAccessQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ReadModelStore) {}

  async recording(recordingId: string): Promise<RecordingFacts | null> {
    const recording = await this.store.get<StoredRecording>(REPLAY_COLLECTIONS.recordings, recordingId);
    return recording ? factsOf(recording) : null;
  }

  async listCandidates(viewer: Viewer): Promise<AccessFacts> {
    const { id, clinicId } = viewer;
    const [asPatient, asClinician, asGrantee, shares] = await Promise.all([
      viewer.roles.includes('patient') ? this.all<StoredRecording>(REPLAY_COLLECTIONS.recordings, { clinicId, patientId: id }) : [],
      viewer.roles.includes('clinician') ? this.all<StoredRecording>(REPLAY_COLLECTIONS.recordings, { clinicId, clinicianId: id }) : [],
      this.all<StoredRecording>(REPLAY_COLLECTIONS.recordings, { granteeIds: { contains: id }, clinicId }),
      this.all<ConsentShare>(REPLAY_COLLECTIONS.shares, { granteeId: id }),
    ]);
    const recordings = new Map([...asPatient, ...asClinician, ...asGrantee].map((recording) => [recording.recordingId, recording]));
    return { recordings: [...recordings.values()].sort((a, b) => a.storedAt - b.storedAt).map(factsOf), shares };
  }

  async sharesOf(recordingIds: readonly string[]): Promise<ConsentShare[]> {
    const found = await Promise.all(
      recordingIds.map((recordingId) => this.store.find<ConsentShare>(REPLAY_COLLECTIONS.shares, { recordingId })),
    );
    return found.flat();
  }

  /**
   * The expiry check happens here, at read time, whatever the store holds; the delete is lazy and best
   * effort (a failed one is retried by housekeeping, and the answer is null either way).
   */
  async grant(tokenSha256: string, now?: Date): Promise<IssuedGrant | null> {
    const grant = await this.store.get<IssuedGrant>(REPLAY_COLLECTIONS.grants, tokenSha256);
    if (grant && now && isPrunable(grant, now)) {
      await this.prune(tokenSha256, now).catch(() => false);
      return null;
    }
    return grant;
  }

  async pruneGrants(now: Date): Promise<number> {
    const held = await this.store.find<IssuedGrant>(REPLAY_COLLECTIONS.grants);
    let pruned = 0;
    for (const grant of held) if (isPrunable(grant, now) && (await this.prune(grant.tokenSha256, now))) pruned++;
    return pruned;
  }

  async grantCount(): Promise<number> {
    return (await this.store.find(REPLAY_COLLECTIONS.grants)).length;
  }

  /**
   * A time-based delete, which no event causes: written through the port under a guard of its own
   * (a synthetic stream per grant, revision 0), so it happens once. The tombstone keeps the revision of
   * the `ReplayGranted` that created the grant, so a replay of that event skips it and the grant stays
   * gone; a rebuild from nothing brings it back, where the read-time check above refuses it all the same.
   * The update re-checks expiry on the document it deletes, and the checkpoint is left as it is (0 never
   * raises it).
   */
  private async prune(tokenSha256: string, now: Date): Promise<boolean> {
    const outcome = await this.store.apply<IssuedGrant>(
      REPLAY_COLLECTIONS.grants,
      tokenSha256,
      pruneGuardOf(tokenSha256),
      (doc) => (doc && isPrunable(doc, now) ? null : doc),
      { projection: replayAccessProjection.name, position: 0 },
    );
    return outcome === 'applied';
  }

  /** Every document a query matches, page by page through its index. */
  private async all<T extends Record<string, unknown>>(collection: string, where: Record<string, Condition>): Promise<T[]> {
    const found: T[] = [];
    let after: string | null = null;
    do {
      const page: ReadModelPage<T> = await this.store.query<T>(collection, { where, limit: PAGE, after });
      found.push(...page.items);
      after = page.next;
    } while (after !== null);
    return found;
  }
}

const PAGE = 1000;

const factsOf = ({ storedAt: _storedAt, granteeIds: _granteeIds, ...recording }: StoredRecording): RecordingFacts => recording;
