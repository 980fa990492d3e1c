import { Inject, Injectable } from '@nestjs/common';
import { type BookingFact } from '@vgp/contracts';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type ConsentShare, type RecordingFacts } from '../domain/access-policy.js';
import { type IssuedGrant } from '../domain/access.decider.js';
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
    return recording ? this.withBooking(recording) : null;
  }

  async recordingsOfClinic(clinicId: string): Promise<RecordingFacts[]> {
    const found = await this.store.find<StoredRecording>(REPLAY_COLLECTIONS.recordings, { clinicId });
    return Promise.all(found.sort((a, b) => a.storedAt - b.storedAt).map((recording) => this.withBooking(recording)));
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

  // One read per recording (N+1); batching it is another issue's.
  private async withBooking({ storedAt: _storedAt, ...recording }: StoredRecording): Promise<RecordingFacts> {
    return { ...recording, booking: await this.store.get<BookingFact>(REPLAY_COLLECTIONS.bookings, recording.consultationId) };
  }
}
