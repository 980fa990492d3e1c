import type { Actor } from '@vgp/contracts';
import type { AuditEntry } from './audit-chain.js';

/** Entries of the replay.* topic: every list, grant, denial, view and consent share. */
export const REPLAY_ACTIONS: readonly string[] = [
  'ReplayListed',
  'ReplayGranted',
  'ReplayDenied',
  'ReplayStreamed',
  'ShareGranted',
  'ShareRevoked',
];

export type AccessLogItem = {
  seq: number;
  action: string;
  occurredAt: string;
  actor: Actor;
  /** The patient did it themselves. */
  self: boolean;
  /** Only the patient's own recordings; another patient's ids never appear. */
  recordingIds: string[];
  consultationIds: string[];
  /** For a view: the byte range that left the service. */
  bytes: { start: number; end: number; total: number } | null;
  /** For a denial: why. */
  reason: string | null;
  softwareVersion: string;
  featureFlags: string[];
};

/** Who owns what, from booking and recording facts (never from the replay events being audited). */
export type Owner = { patientId?: string; clinicId?: string };
export type Ownership = {
  ownerOfRecording(recordingId: string): Owner | undefined;
  ownerOfConsultation(consultationId: string): Owner | undefined;
};

/** A patient is a patient id within a clinic: the same opaque id in another clinic is someone else. */
export type PatientRef = { id: string; clinicId: string };

/**
 * One entry as a patient may see it in "who saw my consultations", or null when it does not
 * touch them. Lists that also named other patients' recordings are cut down to the patient's own.
 */
export const accessLogItemFor = (patient: PatientRef, entry: AuditEntry, owners: Ownership): AccessLogItem | null => {
  const patientId = patient.id;
  if (!REPLAY_ACTIONS.includes(entry.sourceType) || !entry.patientIds.includes(patientId) || !entry.clinicIds.includes(patient.clinicId))
    return null;
  const owns = (owner: Owner | undefined) => owner?.patientId === patientId && owner.clinicId === patient.clinicId;
  const { source } = entry;
  const data = (source.data ?? {}) as Record<string, unknown>;
  const recordingIds = entry.recordingIds.filter((id) => owns(owners.ownerOfRecording(id)));
  const consultationIds = entry.consultationIds.filter((id) => owns(owners.ownerOfConsultation(id)));
  // Filed under the patient's clinic only because the actor acted there (ADR 0022), while everything it
  // named is bound elsewhere: it touched a patient of the same id in another clinic, not this one.
  const bound = [
    ...entry.recordingIds.map((id) => owners.ownerOfRecording(id)),
    ...entry.consultationIds.map((id) => owners.ownerOfConsultation(id)),
  ].some((owner) => owner?.clinicId !== undefined);
  if (bound && recordingIds.length === 0 && consultationIds.length === 0) return null;
  const bytes =
    entry.sourceType === 'ReplayStreamed' && typeof data.rangeStart === 'number' && typeof data.rangeEnd === 'number'
      ? { start: data.rangeStart, end: data.rangeEnd, total: typeof data.totalBytes === 'number' ? data.totalBytes : 0 }
      : null;
  return {
    seq: entry.seq,
    action: entry.sourceType,
    occurredAt: source.occurredAt,
    actor: source.actor,
    self: source.actor.id === patientId && source.actor.role === 'patient',
    recordingIds,
    consultationIds,
    bytes,
    reason: entry.sourceType === 'ReplayDenied' && typeof data.reason === 'string' ? data.reason : null,
    softwareVersion: source.softwareVersion,
    featureFlags: source.featureFlags,
  };
};
