import type { Actor } from '@vgp/contracts';
import type { AuditSource } from '../audit-chain.js';
import type { AuditedEvent } from '../exposure-detector.js';

/** A release as the envelope records it. */
export type Release = { softwareVersion: string; featureFlags: string[] };
export const BEFORE_SWITCH: Release = { softwareVersion: '2.3.9', featureFlags: [] };
export const MEDIA_SWITCH: Release = { softwareVersion: '2.4.0', featureFlags: ['media-switch'] };

export type RecordingRef = { recordingId: string; consultationId: string; patientId: string };

/**
 * The clinic of the verified token a user acted under, as the envelope records it since ADR 0022.
 * Left out, the event is written the way events were recorded before: an actor without a clinic.
 */
export type Token = { tokenClinicId?: string };

const withToken = (actor: Actor, o: Token): Actor => (o.tokenClinicId === undefined ? actor : { ...actor, clinicId: o.tokenClinicId });

/**
 * Writes an audited history the way the audit chain would hold it: every event gets the next seq
 * and a time one minute after the previous one, unless `at` moves the clock.
 */
export const aHistory = (start = '2026-03-01T08:00:00.000Z') => {
  const events: AuditedEvent[] = [];
  let clock = Date.parse(start);
  let release: Release = BEFORE_SWITCH;
  const add = (type: string, data: Record<string, unknown>, actor: Actor): AuditedEvent => {
    clock += 60_000;
    const seq = events.length + 1;
    const source: AuditSource = {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      type,
      schemaVersion: 1,
      streamId: `inbox-${String(data.consultationId ?? data.recordingId ?? data.viewerId ?? 'x')}`,
      revision: 0,
      occurredAt: new Date(clock).toISOString(),
      correlationId: `corr-${seq}`,
      causationId: null,
      actor,
      softwareVersion: release.softwareVersion,
      featureFlags: [...release.featureFlags],
      data,
    };
    const event = { seq, source };
    events.push(event);
    return event;
  };
  const patient = (id: string): Actor => ({ id, role: 'patient' });
  const builder = {
    events,
    now: () => new Date(clock).toISOString(),
    at(iso: string) {
      clock = Date.parse(iso) - 60_000;
      return builder;
    },
    under(next: Release) {
      release = next;
      return builder;
    },
    booked(consultationId: string, patientId: string, o: { clinicId?: string; clinicianId?: string } = {}) {
      add(
        'ConsultationBooked',
        {
          consultationId,
          clinicId: o.clinicId ?? 'clinic-1',
          patientId,
          clinicianId: o.clinicianId ?? 'dr-okafor',
          startsAt: '2026-02-20T09:00:00.000Z',
          durationMinutes: 20,
          mode: 'video',
        },
        { id: 'admin-ada', role: 'clinic_admin' },
      );
      return builder;
    },
    rescheduled(consultationId: string) {
      add(
        'ConsultationRescheduled',
        { consultationId, startsAt: '2026-02-21T09:00:00.000Z', durationMinutes: 30 },
        { id: 'admin-ada', role: 'clinic_admin' },
      );
      return builder;
    },
    cancelled(consultationId: string) {
      add('ConsultationCancelled', { consultationId, reason: 'clinic_request' }, { id: 'admin-ada', role: 'clinic_admin' });
      return builder;
    },
    /** A stored recording bound by the recording context; `bytes: 0` is a segment that holds nothing. */
    recorded(r: RecordingRef, o: { bytes?: number; clinicId?: string; clinicianId?: string; recordedAt?: string } = {}) {
      add(
        'RecordingStored',
        {
          ...r,
          callId: `call-${r.consultationId}`,
          segmentId: `seg-${r.recordingId}`,
          segmentSeq: 1,
          clinicId: o.clinicId ?? 'clinic-1',
          clinicianId: o.clinicianId ?? 'dr-okafor',
          mode: 'video',
          contentType: 'video/webm',
          bytes: o.bytes ?? 10_000_000,
          sha256: 'a'.repeat(64),
          objectKey: `recordings/${r.recordingId}`,
          uploadedBy: o.clinicianId ?? 'dr-okafor',
          recordedAt: o.recordedAt ?? new Date(clock + 60_000).toISOString(),
        },
        { id: 'recording', role: 'system' },
      );
      return builder;
    },
    listed(viewerId: string, recordings: RecordingRef[], role: Actor['role'] = 'patient', o: Token = {}) {
      add(
        'ReplayListed',
        {
          listId: `list-${events.length + 1}`,
          viewerId,
          recordingIds: recordings.map((r) => r.recordingId),
          patientIds: [...new Set(recordings.map((r) => r.patientId))],
          consultationIds: [...new Set(recordings.map((r) => r.consultationId))],
        },
        withToken({ id: viewerId, role }, o),
      );
      return builder;
    },
    granted(
      viewerId: string,
      r: RecordingRef,
      o: { role?: Actor['role']; clinicId?: string; basis?: 'participant' | 'consent_share' } & Token = {},
    ) {
      add(
        'ReplayGranted',
        {
          grantId: `grant-${events.length + 1}`,
          viewerId,
          ...r,
          basis: o.basis ?? 'participant',
          shareId: null,
          tokenSha256: 'b'.repeat(64),
          expiresAt: '2026-12-31T00:00:00.000Z',
          ...(o.clinicId ? { clinicId: o.clinicId } : {}),
        },
        withToken({ id: viewerId, role: o.role ?? 'patient' }, o),
      );
      return builder;
    },
    streamed(
      viewerId: string,
      r: RecordingRef,
      rangeStart: number,
      rangeEnd: number,
      totalBytes = 10_000_000,
      role: Actor['role'] = 'patient',
      o: Token = {},
    ) {
      add('ReplayStreamed', { grantId: 'g', viewerId, ...r, rangeStart, rangeEnd, totalBytes }, withToken({ id: viewerId, role }, o));
      return builder;
    },
    denied(viewerId: string, r: RecordingRef, o: Token = {}) {
      add(
        'ReplayDenied',
        { viewerId, recordingId: r.recordingId, patientId: r.patientId, reason: 'not_a_participant', operation: 'grant' },
        withToken(patient(viewerId), o),
      );
      return builder;
    },
    /** A grant refused for a recording id no context ever stored: the denial names no patient. */
    guessed(viewerId: string, recordingId: string, o: Token = {}) {
      add(
        'ReplayDenied',
        { viewerId, recordingId, patientId: null, reason: 'not_found', operation: 'grant' },
        withToken(patient(viewerId), o),
      );
      return builder;
    },
    shared(shareId: string, r: RecordingRef, granteeId: string, until: string) {
      add(
        'ShareGranted',
        { shareId, recordingId: r.recordingId, patientId: r.patientId, granteeId, purpose: 'carer', until },
        patient(r.patientId),
      );
      return builder;
    },
    revoked(shareId: string, r: RecordingRef, granteeId: string) {
      add('ShareRevoked', { shareId, recordingId: r.recordingId, patientId: r.patientId, granteeId }, patient(r.patientId));
      return builder;
    },
  };
  return builder;
};

export const recordingOf = (patientId: string, n = 1): RecordingRef => ({
  recordingId: `rec-${patientId}-${n}`,
  consultationId: `c-${patientId}`,
  patientId,
});
