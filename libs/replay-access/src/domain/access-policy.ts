import { type BookingFact, type MediaMode, type ReplayEventData, type Role } from '@vgp/contracts';

/** The caller as their verified token describes them. */
export type Viewer = { id: string; roles: readonly Role[]; clinicId: string };

/** Who the booking context says took part in a consultation (copied into our inbox, folded by `evolveBookingFact`). */
export type BookingFacts = Pick<BookingFact, 'consultationId' | 'clinicId' | 'patientId' | 'clinicianId' | 'status'>;

/**
 * A stored recording segment as the recording context bound it on the server, plus the booking facts of
 * its consultation (null until they arrive). Both must agree before anyone may replay it.
 */
export type RecordingFacts = {
  recordingId: string;
  consultationId: string;
  callId: string;
  segmentId: string;
  segmentSeq: number;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  mode: MediaMode;
  contentType: string;
  bytes: number;
  objectKey: string;
  recordedAt: string;
  booking: BookingFacts | null;
};

export type SharePurpose = ReplayEventData['ShareGranted']['purpose'];

/** A patient's consent for one person to replay one recording until a time. */
export type ConsentShare = {
  shareId: string;
  recordingId: string;
  patientId: string;
  granteeId: string;
  purpose: SharePurpose;
  until: string;
  revoked: boolean;
};

export type AccessBasis = ReplayEventData['ReplayGranted']['basis'];

export type AccessDecision =
  | { allowed: true; basis: 'participant'; shareId: null }
  | { allowed: true; basis: 'consent_share'; shareId: string }
  | { allowed: false; reason: 'not_a_participant' | 'share_revoked' | 'share_expired' };

const hasRole = (viewer: Viewer, role: Role): boolean => viewer.roles.includes(role);

/** Only patients and clinicians replay; clinic_admin and compliance_officer get nothing here. */
const mayReplayAtAll = (viewer: Viewer): boolean => hasRole(viewer, 'patient') || hasRole(viewer, 'clinician');

/**
 * The recording's server-side binding agrees with the booking: same clinic, patient and clinician.
 * A segment bound to the wrong consultation (the incident's shape) is replayable by no one.
 */
const bindingConfirmed = (recording: RecordingFacts): boolean => {
  const booking = recording.booking;
  return (
    booking !== null &&
    booking.consultationId === recording.consultationId &&
    booking.clinicId === recording.clinicId &&
    booking.patientId === recording.patientId &&
    booking.clinicianId === recording.clinicianId
  );
};

/** The patient of the recording, acting as a patient of its clinic: the only one who may share it. */
export const isRecordingPatient = (viewer: Viewer, recording: RecordingFacts): boolean =>
  viewer.clinicId === recording.clinicId && bindingConfirmed(recording) && hasRole(viewer, 'patient') && viewer.id === recording.patientId;

const isRecordingClinician = (viewer: Viewer, recording: RecordingFacts): boolean =>
  viewer.clinicId === recording.clinicId &&
  bindingConfirmed(recording) &&
  hasRole(viewer, 'clinician') &&
  viewer.id === recording.clinicianId;

/** A share is active while it is not revoked and `now` is before its end. */
export const isShareActive = (share: ConsentShare, now: Date): boolean => !share.revoked && Date.parse(share.until) > now.getTime();

/**
 * Deny by default. Allowed only for the recording's patient, its clinician (same clinic), or the grantee
 * of an active consent share of THIS recording given by its patient. `shares` may hold shares of any
 * recording, revoked and expired ones included: they only ever explain a denial.
 */
export const decideAccess = (viewer: Viewer, recording: RecordingFacts, shares: readonly ConsentShare[], now: Date): AccessDecision => {
  const denied = { allowed: false, reason: 'not_a_participant' } as const;
  if (!mayReplayAtAll(viewer) || viewer.clinicId !== recording.clinicId || !bindingConfirmed(recording)) return denied;
  if (isRecordingPatient(viewer, recording) || isRecordingClinician(viewer, recording)) {
    return { allowed: true, basis: 'participant', shareId: null };
  }
  const mine = shares.filter(
    (s) => s.recordingId === recording.recordingId && s.patientId === recording.patientId && s.granteeId === viewer.id,
  );
  const active = mine.find((s) => isShareActive(s, now));
  if (active) return { allowed: true, basis: 'consent_share', shareId: active.shareId };
  if (mine.some((s) => s.revoked)) return { allowed: false, reason: 'share_revoked' };
  if (mine.length > 0) return { allowed: false, reason: 'share_expired' };
  return denied;
};

export type ReplayableRecording = { recording: RecordingFacts; basis: AccessBasis; shareId: string | null };

/** What a viewer may replay among `recordings`, oldest first (by recording time, then segment). */
export const replayableFor = (
  viewer: Viewer,
  recordings: readonly RecordingFacts[],
  shares: readonly ConsentShare[],
  now: Date,
): ReplayableRecording[] =>
  recordings
    .flatMap((recording): ReplayableRecording[] => {
      const decision = decideAccess(viewer, recording, shares, now);
      return decision.allowed ? [{ recording, basis: decision.basis, shareId: decision.shareId }] : [];
    })
    .sort(
      (a, b) =>
        Date.parse(a.recording.recordedAt) - Date.parse(b.recording.recordedAt) ||
        a.recording.consultationId.localeCompare(b.recording.consultationId) ||
        a.recording.segmentSeq - b.recording.segmentSeq ||
        a.recording.recordingId.localeCompare(b.recording.recordingId),
    );
