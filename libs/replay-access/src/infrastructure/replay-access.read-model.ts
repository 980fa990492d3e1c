import { ConsultationEventData, RecordingEventData, ReplayEventData } from '@vgp/contracts';
import { StoredEvent } from '@vgp/event-store';
import { BookingFacts, ConsentShare, RecordingFacts } from '../domain/access-policy';
import { AccessState, IssuedGrant, issuedGrantOf } from '../domain/access.decider';

type Recording = Omit<RecordingFacts, 'booking'>;

/**
 * The read models of replay-access, folded from its own store only: recordings and booking facts
 * (inbox copies of other contexts' events), consent shares and issued grants (its own events).
 * In memory, rebuilt from position 0 at boot.
 */
export class ReplayAccessReadModel {
  private readonly recordings = new Map<string, Recording>();
  private readonly recordingsByClinic = new Map<string, Set<string>>();
  private readonly bookings = new Map<string, BookingFacts>();
  private readonly shares = new Map<string, ConsentShare>();
  private readonly sharesByRecording = new Map<string, Set<string>>();
  private readonly grants = new Map<string, IssuedGrant>();

  apply(event: StoredEvent): void {
    switch (event.type) {
      case 'ConsultationBooked': {
        const data = event.data as ConsultationEventData['ConsultationBooked'];
        const status = this.bookings.get(data.consultationId)?.status ?? 'booked';
        this.bookings.set(data.consultationId, {
          consultationId: data.consultationId,
          clinicId: data.clinicId,
          patientId: data.patientId,
          clinicianId: data.clinicianId,
          status,
        });
        return;
      }
      case 'ConsultationCancelled':
      case 'ConsultationCompleted': {
        const { consultationId } = event.data as ConsultationEventData['ConsultationCompleted'];
        const booking = this.bookings.get(consultationId);
        if (booking) this.bookings.set(consultationId, { ...booking, status: event.type === 'ConsultationCancelled' ? 'cancelled' : 'completed' });
        return;
      }
      case 'RecordingStored': {
        const d = event.data as RecordingEventData['RecordingStored'];
        // The first binding of a recording id is the one that counts; a later copy cannot re-bind it.
        if (this.recordings.has(d.recordingId)) return;
        this.recordings.set(d.recordingId, {
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
        });
        indexAdd(this.recordingsByClinic, d.clinicId, d.recordingId);
        return;
      }
      case 'ShareGranted': {
        const d = event.data as ReplayEventData['ShareGranted'];
        this.shares.set(d.shareId, { ...d, revoked: false });
        indexAdd(this.sharesByRecording, d.recordingId, d.shareId);
        return;
      }
      case 'ShareRevoked': {
        const d = event.data as ReplayEventData['ShareRevoked'];
        const share = this.shares.get(d.shareId);
        if (share) this.shares.set(d.shareId, { ...share, revoked: true });
        return;
      }
      case 'ReplayGranted': {
        const grant = issuedGrantOf({ type: 'ReplayGranted', data: event.data as ReplayEventData['ReplayGranted'] });
        this.grants.set(grant.tokenSha256, grant);
        return;
      }
      default:
        return;
    }
  }

  recording(recordingId: string): RecordingFacts | null {
    const recording = this.recordings.get(recordingId);
    return recording ? this.withBooking(recording) : null;
  }

  /** Candidates for a list: every recording of the clinic; the access policy decides which are shown. */
  recordingsOfClinic(clinicId: string): RecordingFacts[] {
    return [...(this.recordingsByClinic.get(clinicId) ?? [])].flatMap((id) => {
      const recording = this.recordings.get(id);
      return recording ? [this.withBooking(recording)] : [];
    });
  }

  /** Every share of these recordings, revoked and expired ones included. */
  sharesOf(recordingIds: readonly string[]): ConsentShare[] {
    return recordingIds.flatMap((id) => [...(this.sharesByRecording.get(id) ?? [])].flatMap((shareId) => this.shares.get(shareId) ?? []));
  }

  /**
   * The grant behind a token hash. Given `now`, a grant expired for longer than GRANT_PRUNE_GRACE_MS is
   * dropped first (lazy pruning), so it answers exactly like a token never issued.
   */
  grant(tokenSha256: string, now?: Date): IssuedGrant | null {
    const grant = this.grants.get(tokenSha256) ?? null;
    if (grant && now && isPrunable(grant, now)) {
      this.grants.delete(tokenSha256);
      return null;
    }
    return grant;
  }

  /** Drops every grant expired for longer than the grace; answers how many went. */
  pruneGrants(now: Date): number {
    let pruned = 0;
    for (const [tokenSha256, grant] of this.grants) {
      if (isPrunable(grant, now)) {
        this.grants.delete(tokenSha256);
        pruned++;
      }
    }
    return pruned;
  }

  /** How many grants the read model holds. */
  get grantCount(): number {
    return this.grants.size;
  }

  /** The access decider's state: every grant issued, by token hash. */
  grantState(): AccessState {
    return { grants: this.grants };
  }

  private withBooking(recording: Recording): RecordingFacts {
    return { ...recording, booking: this.bookings.get(recording.consultationId) ?? null };
  }
}

/**
 * How long a grant stays in the read model after it expired. Until then its token is refused as
 * `grant_expired` (naming its viewer); after, as `grant_unknown` (anonymous). The caller gets the same 404.
 * Grants live at most 300 s, so the read model holds at most the grants of the last ~15 minutes.
 */
export const GRANT_PRUNE_GRACE_MS = 10 * 60_000;

const isPrunable = (grant: IssuedGrant, now: Date): boolean => now.getTime() - Date.parse(grant.expiresAt) > GRANT_PRUNE_GRACE_MS;

const indexAdd = (index: Map<string, Set<string>>, key: string, value: string): void => {
  const set = index.get(key) ?? new Set<string>();
  set.add(value);
  index.set(key, set);
};
