import { ConsultationEventData, RecordingEventData, ReplayEventData } from '@vgp/contracts';
import { ProjectionDefinition, ProjectionHandler, ReadModelStore } from '@vgp/read-models';
import { BookingFacts, ConsentShare, RecordingFacts } from '../domain/access-policy';
import { AccessState, IssuedGrant, issuedGrantOf } from '../domain/access.decider';

type Recording = Omit<RecordingFacts, 'booking'>;
/** A recording as stored: `storedAt` (the position of its first copy) keeps a clinic's list in arrival order. */
type StoredRecording = Recording & { storedAt: number };

/** The read-model collections of replay-access (each context has its own database or prefix). */
export const REPLAY_COLLECTIONS = {
  /** One document per recording, id recordingId; found by clinic. */
  recordings: 'replay_recordings',
  /** Booking facts and status, id consultationId. */
  bookings: 'replay_bookings',
  /** Consent shares, id shareId; found by recording. */
  shares: 'replay_shares',
  /** Issued grants, id tokenSha256. */
  grants: 'replay_grants',
} as const;

/** The categories the read models fold: inbox copies, viewers' access streams and shares. */
export const PROJECTED_CATEGORIES = ['inbox', 'access', 'share'];

const BOOKING_EVENTS = new Set(['ConsultationBooked', 'ConsultationCancelled', 'ConsultationCompleted']);

const bookings: ProjectionHandler<BookingFacts> = {
  collection: REPLAY_COLLECTIONS.bookings,
  keyOf: (event) => (BOOKING_EVENTS.has(event.type) ? (event.data as { consultationId: string }).consultationId : null),
  fold: (doc, event) => {
    if (event.type === 'ConsultationBooked') {
      const data = event.data as ConsultationEventData['ConsultationBooked'];
      return {
        consultationId: data.consultationId,
        clinicId: data.clinicId,
        patientId: data.patientId,
        clinicianId: data.clinicianId,
        // A copy delivered after the cancellation or completion does not bring the booking back.
        status: doc?.status ?? 'booked',
      };
    }
    return doc && { ...doc, status: event.type === 'ConsultationCancelled' ? 'cancelled' : 'completed' };
  },
};

const recordings: ProjectionHandler<StoredRecording> = {
  collection: REPLAY_COLLECTIONS.recordings,
  indexes: [{ name: 'by_clinic', fields: ['clinicId'] }],
  keyOf: (event) => (event.type === 'RecordingStored' ? (event.data as RecordingEventData['RecordingStored']).recordingId : null),
  fold: (doc, event) => {
    // The first binding of a recording id is the one that counts; a later copy cannot re-bind it.
    if (doc) return doc;
    const d = event.data as RecordingEventData['RecordingStored'];
    return {
      recordingId: d.recordingId,
      consultationId: d.consultationId,
      callId: d.callId,
      segmentId: d.segmentId,
      segmentSeq: d.segmentSeq,
      clinicId: d.clinicId,
      patientId: d.patientId,
      clinicianId: d.clinicianId,
      mode: d.mode,
      contentType: d.contentType,
      bytes: d.bytes,
      objectKey: d.objectKey,
      recordedAt: d.recordedAt,
      storedAt: event.position,
    };
  },
};

const shares: ProjectionHandler<ConsentShare> = {
  collection: REPLAY_COLLECTIONS.shares,
  indexes: [{ name: 'by_recording', fields: ['recordingId'] }],
  keyOf: (event) =>
    event.type === 'ShareGranted' || event.type === 'ShareRevoked' ? (event.data as ReplayEventData['ShareRevoked']).shareId : null,
  fold: (doc, event) => {
    if (event.type === 'ShareGranted') return { ...(event.data as ReplayEventData['ShareGranted']), revoked: false };
    return doc && { ...doc, revoked: true };
  },
};

const grants: ProjectionHandler<IssuedGrant> = {
  collection: REPLAY_COLLECTIONS.grants,
  keyOf: (event) => (event.type === 'ReplayGranted' ? (event.data as ReplayEventData['ReplayGranted']).tokenSha256 : null),
  fold: (_doc, event) => issuedGrantOf({ type: 'ReplayGranted', data: event.data as ReplayEventData['ReplayGranted'] }),
};

/**
 * The read models of replay-access, folded from its own store only: recordings and booking facts
 * (inbox copies of other contexts' events), consent shares and issued grants (its own events).
 */
export const replayAccessProjection: ProjectionDefinition = {
  name: 'replay-access-read-models',
  categories: PROJECTED_CATEGORIES,
  handlers: [bookings, recordings, shares, grants] as ProjectionHandler[],
};

/**
 * How long a grant stays in the read model after it expired. Until then its token is refused as
 * `grant_expired` (naming its viewer); after, as `grant_unknown` (anonymous). The caller gets the same 404.
 * Grants live at most 300 s, so the read model holds at most the grants of the last ~15 minutes.
 */
export const GRANT_PRUNE_GRACE_MS = 10 * 60_000;

const isPrunable = (grant: IssuedGrant, now: Date): boolean => now.getTime() - Date.parse(grant.expiresAt) > GRANT_PRUNE_GRACE_MS;

/** The stream a pruning write is guarded by: one per grant, written once (see `ReplayAccessReadModel.prune`). */
const pruneGuardOf = (tokenSha256: string) => ({ streamId: `replay-grant-prune-${tokenSha256}`, revision: 0 });

/** The queries of replay-access over the read-model port. */
export class ReplayAccessReadModel {
  constructor(private readonly store: ReadModelStore) {}

  async recording(recordingId: string): Promise<RecordingFacts | null> {
    const recording = await this.store.get<StoredRecording>(REPLAY_COLLECTIONS.recordings, recordingId);
    return recording ? this.withBooking(recording) : null;
  }

  /** Candidates for a list: every recording of the clinic; the access policy decides which are shown. */
  async recordingsOfClinic(clinicId: string): Promise<RecordingFacts[]> {
    const found = await this.store.find<StoredRecording>(REPLAY_COLLECTIONS.recordings, { clinicId });
    return Promise.all(found.sort((a, b) => a.storedAt - b.storedAt).map((recording) => this.withBooking(recording)));
  }

  /** Every share of these recordings, revoked and expired ones included. */
  async sharesOf(recordingIds: readonly string[]): Promise<ConsentShare[]> {
    const found = await Promise.all(recordingIds.map((recordingId) => this.store.find<ConsentShare>(REPLAY_COLLECTIONS.shares, { recordingId })));
    return found.flat();
  }

  /**
   * The grant behind a token hash. Given `now`, a grant expired for longer than GRANT_PRUNE_GRACE_MS
   * answers exactly like a token never issued (checked here, at read time, whatever the store holds),
   * and is deleted from the store (lazy pruning; best effort: a failed delete is retried by housekeeping,
   * and the answer is null either way).
   */
  async grant(tokenSha256: string, now?: Date): Promise<IssuedGrant | null> {
    const grant = await this.store.get<IssuedGrant>(REPLAY_COLLECTIONS.grants, tokenSha256);
    if (grant && now && isPrunable(grant, now)) {
      await this.prune(tokenSha256, now).catch(() => false);
      return null;
    }
    return grant;
  }

  /** Deletes every grant expired for longer than the grace; answers how many went. */
  async pruneGrants(now: Date): Promise<number> {
    const held = await this.store.find<IssuedGrant>(REPLAY_COLLECTIONS.grants);
    let pruned = 0;
    for (const grant of held) if (isPrunable(grant, now) && (await this.prune(grant.tokenSha256, now))) pruned++;
    return pruned;
  }

  /** How many grants the read model holds. */
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

  private async withBooking({ storedAt: _storedAt, ...recording }: StoredRecording): Promise<RecordingFacts> {
    return { ...recording, booking: await this.store.get<BookingFacts>(REPLAY_COLLECTIONS.bookings, recording.consultationId) };
  }
}

/** The decider's state holding just this grant (the only one a stream command looks up). */
export const stateOf = (grant: IssuedGrant | null): AccessState => ({ grants: new Map(grant ? [[grant.tokenSha256, grant]] : []) });
