import type { AuditSource } from './audit-chain.js';
import type { AuthorizationFacts, BookedConsultation, BoundRecording } from './authorization-facts.js';

/**
 * The independent second check (invariant 5). For every recording the replay-access policy let
 * out (listed, granted, streamed) it decides again, from booking and recording facts alone, whether
 * the viewer was entitled. It shares no code with the policy: a bug there is not a bug here.
 */
export const REPLAY_ACCESS_TYPES: readonly string[] = ['ReplayListed', 'ReplayGranted', 'ReplayStreamed'];

export type AccessKind = 'listed' | 'granted' | 'streamed';

/** One recording let out to one viewer by one audited event. */
export type ReplayAccess = {
  seq: number;
  kind: AccessKind;
  occurredAt: string;
  viewerId: string;
  viewerRole: string;
  /** The clinic the policy believed the viewer acted in (recorded on grants only). */
  viewerClinicId: string | null;
  /** The clinic of the token the viewer acted under, from the envelope (ADR 0022); null on older events. */
  actorClinicId: string | null;
  recordingId: string;
  /** What the audited event claimed; trusted only where no fact binds the recording. */
  claimedPatientId: string | null;
  /** Inclusive byte positions sent, for a stream. */
  range: { start: number; end: number; total: number } | null;
  softwareVersion: string;
  featureFlags: string[];
};

export type AuditedEvent = { seq: number; source: AuditSource };

/** A list lets out each of its recordings; a grant or a stream lets out one. Anything else, none. */
export const replayAccessesOf = ({ seq, source }: AuditedEvent): ReplayAccess[] => {
  const d = (source.data ?? {}) as Record<string, unknown>;
  const str = (key: string): string | null => (typeof d[key] === 'string' && d[key] !== '' ? (d[key] as string) : null);
  const viewerId = str('viewerId') ?? source.actor.id;
  const base = {
    seq,
    occurredAt: source.occurredAt,
    viewerId,
    viewerRole: source.actor.role,
    viewerClinicId: null,
    actorClinicId: typeof source.actor.clinicId === 'string' && source.actor.clinicId !== '' ? source.actor.clinicId : null,
    claimedPatientId: str('patientId'),
    range: null,
    softwareVersion: source.softwareVersion,
    featureFlags: source.featureFlags,
  };
  switch (source.type) {
    case 'ReplayListed': {
      const ids = Array.isArray(d.recordingIds) ? d.recordingIds.filter((id): id is string => typeof id === 'string') : [];
      // A list names patients as a set, not per item: the patient of each item comes from facts only.
      return [...new Set(ids)].map((recordingId) => ({ ...base, kind: 'listed', recordingId, claimedPatientId: null }));
    }
    case 'ReplayGranted': {
      const recordingId = str('recordingId');
      return recordingId ? [{ ...base, kind: 'granted', recordingId, viewerClinicId: str('clinicId') }] : [];
    }
    case 'ReplayStreamed': {
      const recordingId = str('recordingId');
      const num = (key: string) => (typeof d[key] === 'number' ? (d[key] as number) : 0);
      return recordingId
        ? [{ ...base, kind: 'streamed', recordingId, range: { start: num('rangeStart'), end: num('rangeEnd'), total: num('totalBytes') } }]
        : [];
    }
    default:
      return [];
  }
};

export type UnjustifiedReason =
  /** No recording context ever stored this recording. */
  | 'unknown_recording'
  /** The recording names a consultation that booking never booked. */
  | 'unknown_consultation'
  /** The recording's clinic, patient or clinician differ from its consultation's booking. */
  | 'binding_disagrees_with_booking'
  /** Recorded after its consultation was cancelled: no booking vouches for what it holds. */
  | 'recorded_after_cancellation'
  /** The viewer was let in under another clinic than the recording's. */
  | 'other_clinic'
  /** Neither the consultation's patient nor its clinician, and no consent share was ever given to them. */
  | 'not_a_participant'
  /** A consent share exists, but it was not active at the time (not yet given, expired or revoked). */
  | 'no_active_share';

export type Entitlement = { entitled: true; basis: 'participant' | 'consent_share' } | { entitled: false; reason: UnjustifiedReason };

const denied = (reason: UnjustifiedReason): Entitlement => ({ entitled: false, reason });

/**
 * Entitled only when the recording is bound to a booked consultation that agrees with it, and the
 * viewer is that consultation's patient or clinician, or holds the booking's patient's consent
 * share for this recording, active at the moment of access. Everything else is an exposure.
 */
export const entitlementOf = (facts: AuthorizationFacts, access: ReplayAccess): Entitlement => {
  const recording = facts.recordings.get(access.recordingId);
  if (!recording) return denied('unknown_recording');
  const booking = facts.consultations.get(recording.consultationId);
  if (!booking) return denied('unknown_consultation');
  if (
    booking.clinicId !== recording.clinicId ||
    booking.patientId !== recording.patientId ||
    booking.clinicianId !== recording.clinicianId
  ) {
    return denied('binding_disagrees_with_booking');
  }
  if (booking.cancelledAt !== null && Date.parse(recording.recordedAt) > Date.parse(booking.cancelledAt))
    return denied('recorded_after_cancellation');
  if (access.viewerClinicId !== null && access.viewerClinicId !== booking.clinicId) return denied('other_clinic');
  if (access.viewerId === booking.patientId || access.viewerId === booking.clinicianId) return { entitled: true, basis: 'participant' };
  const at = Date.parse(access.occurredAt);
  const theirs = (facts.sharesByRecording.get(recording.recordingId) ?? []).filter(
    (s) => s.granteeId === access.viewerId && s.patientId === booking.patientId,
  );
  const active = theirs.some((share) => {
    const revokedAt = facts.revocations.get(share.shareId);
    return Date.parse(share.grantedAt) <= at && at < Date.parse(share.until) && (revokedAt === undefined || at < Date.parse(revokedAt));
  });
  if (active) return { entitled: true, basis: 'consent_share' };
  return denied(theirs.length > 0 ? 'no_active_share' : 'not_a_participant');
};

/**
 * A recording holds no patient content when it was stored with 0 bytes: a segment that a media
 * switch opened and closed before any audio or video arrived. When no fact describes the recording,
 * a stream that reported 0 bytes in total counts as empty; otherwise content is assumed, so a
 * breach report errs towards the patient.
 */
export const holdsPatientContent = (facts: AuthorizationFacts, access: ReplayAccess): boolean => {
  const recording = facts.recordings.get(access.recordingId);
  if (recording) return recording.bytes > 0;
  return access.range === null || access.range.total > 0;
};

/** Whose recording it was: the recording's server-side binding first, then its booking, then what the event claimed. */
export const exposedPatientOf = (facts: AuthorizationFacts, access: ReplayAccess): string | null => {
  const recording = facts.recordings.get(access.recordingId);
  return recording?.patientId || bookingOf(facts, recording)?.patientId || access.claimedPatientId;
};

/**
 * The clinics that must learn of an exposure: the recording's (and its booking's) and the clinic the
 * viewer acted in (ADR 0022). An older event without the viewer's clinic falls back to the clinics
 * of the viewer's bookings when nothing owns the recording.
 */
export const clinicsConcerned = (facts: AuthorizationFacts, access: ReplayAccess): string[] => {
  const recording = facts.recordings.get(access.recordingId);
  const owners = [recording?.clinicId, bookingOf(facts, recording)?.clinicId].filter((c): c is string => !!c);
  if (access.actorClinicId !== null) return [...new Set([...owners, access.actorClinicId])];
  if (owners.length > 0) return [...new Set(owners)];
  return [...(facts.people.get(access.viewerId) ?? [])];
};

export const consultationOf = (facts: AuthorizationFacts, access: ReplayAccess): string | null =>
  facts.recordings.get(access.recordingId)?.consultationId ?? null;

const bookingOf = (facts: AuthorizationFacts, recording: BoundRecording | undefined): BookedConsultation | undefined =>
  recording ? facts.consultations.get(recording.consultationId) : undefined;
