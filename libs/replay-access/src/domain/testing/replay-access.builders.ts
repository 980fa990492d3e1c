import { type Role } from '@vgp/contracts';
import { type BookingFacts, type ConsentShare, type RecordingFacts, type Viewer } from '../access-policy.js';
import { type AccessCommand, type AccessFacts } from '../access.decider.js';
import { type ReplayGranted } from '../replay-access.events.js';
import { type ShareCommand } from '../share.decider.js';

/** Builders for the domain specs: each test states only what matters to it. */

export const NOW = new Date('2026-03-02T10:00:00.000Z');
export const minutesFrom = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);
export const daysFrom = (at: Date, days: number): Date => new Date(at.getTime() + days * 86_400_000);

export const CLINIC = 'clinic-north';
export const PATIENT = 'patient-amira';
export const CLINICIAN = 'dr-okafor';

export const viewer = (id: string, roles: Role[], clinicId = CLINIC): Viewer => ({ id, roles, clinicId });
export const patient = (id = PATIENT, clinicId = CLINIC): Viewer => viewer(id, ['patient'], clinicId);
export const clinician = (id = CLINICIAN, clinicId = CLINIC): Viewer => viewer(id, ['clinician'], clinicId);

export const bookingOf = (r: Pick<RecordingFacts, 'consultationId' | 'clinicId' | 'patientId' | 'clinicianId'>): BookingFacts => ({
  consultationId: r.consultationId,
  clinicId: r.clinicId,
  patientId: r.patientId,
  clinicianId: r.clinicianId,
  status: 'completed',
});

/** A stored segment whose booking facts agree with it, unless `booking` says otherwise. */
export const recording = (overrides: Partial<RecordingFacts> = {}): RecordingFacts => {
  const base: Omit<RecordingFacts, 'booking'> = {
    recordingId: 'rec-1',
    consultationId: 'cons-1',
    callId: 'call-1',
    segmentId: 'seg-1',
    segmentSeq: 1,
    clinicId: CLINIC,
    patientId: PATIENT,
    clinicianId: CLINICIAN,
    mode: 'audio',
    contentType: 'audio/webm',
    bytes: 1000,
    objectKey: 'recordings/rec-1',
    recordedAt: '2026-03-01T09:05:00.000Z',
    ...overrides,
  };
  return { ...base, booking: overrides.booking === undefined ? bookingOf(base) : overrides.booking };
};

export const share = (overrides: Partial<ConsentShare> = {}): ConsentShare => ({
  shareId: 'share-1',
  recordingId: 'rec-1',
  patientId: PATIENT,
  granteeId: 'carer-cleo',
  purpose: 'carer',
  until: daysFrom(NOW, 30).toISOString(),
  revoked: false,
  ...overrides,
});

export const facts = (recordings: RecordingFacts[] = [], shares: ConsentShare[] = []): AccessFacts => ({ recordings, shares });

export const TOKEN_SHA = 'a'.repeat(64);

export const listReplays = (v: Viewer, overrides: Partial<Extract<AccessCommand, { type: 'ListReplays' }>> = {}): AccessCommand => ({
  type: 'ListReplays',
  listId: 'list-1',
  viewer: v,
  at: NOW,
  killSwitch: false,
  ...overrides,
});

export const requestGrant = (
  v: Viewer,
  recordingId = 'rec-1',
  overrides: Partial<Extract<AccessCommand, { type: 'RequestGrant' }>> = {},
): AccessCommand => ({
  type: 'RequestGrant',
  grantId: 'grant-1',
  viewer: v,
  recordingId,
  tokenSha256: TOKEN_SHA,
  at: NOW,
  expiresAt: minutesFrom(NOW, 2),
  killSwitch: false,
  ...overrides,
});

export const streamReplay = (overrides: Partial<Extract<AccessCommand, { type: 'StreamReplay' }>> = {}): AccessCommand => ({
  type: 'StreamReplay',
  tokenSha256: TOKEN_SHA,
  range: undefined,
  at: NOW,
  killSwitch: false,
  ...overrides,
});

/** A grant as `RequestGrant` records it, for `given`. */
export const replayGranted = (
  v: Viewer,
  r: RecordingFacts = recording(),
  overrides: Partial<ReplayGranted['data']> = {},
): ReplayGranted => ({
  type: 'ReplayGranted',
  data: {
    grantId: 'grant-1',
    viewerId: v.id,
    recordingId: r.recordingId,
    consultationId: r.consultationId,
    patientId: r.patientId,
    basis: 'participant',
    shareId: null,
    tokenSha256: TOKEN_SHA,
    expiresAt: minutesFrom(NOW, 2).toISOString(),
    clinicId: v.clinicId,
    viewerRoles: [...v.roles],
    ...overrides,
  },
});

export const grantShare = (v: Viewer, overrides: Partial<Extract<ShareCommand, { type: 'GrantShare' }>> = {}): ShareCommand => ({
  type: 'GrantShare',
  shareId: 'share-1',
  viewer: v,
  recordingId: 'rec-1',
  granteeId: 'carer-cleo',
  purpose: 'carer',
  until: daysFrom(NOW, 30),
  at: NOW,
  ...overrides,
});

export const revokeShare = (v: Viewer, overrides: Partial<Extract<ShareCommand, { type: 'RevokeShare' }>> = {}): ShareCommand => ({
  type: 'RevokeShare',
  shareId: 'share-1',
  viewer: v,
  recordingId: 'rec-1',
  at: NOW,
  ...overrides,
});
