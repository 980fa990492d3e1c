/*
 * The audit's own fold of booking facts, on purpose: the exposure detector re-derives authorization
 * independently of replay-access's policy (invariant 5), so it must not share that policy's fold
 * (the shared `evolveBookingFact`); a bug there must not hide an exposure here.
 */
import type { AuditSource } from './audit-chain.js';

/**
 * What booking and recording facts say about who may replay what, folded independently of the
 * replay-access context's own policy and read model (invariant 5: the second check).
 * Consent shares come from the replay topic because the patient gives them there, but a share only
 * counts when the patient who gave it is the recording's patient according to booking facts.
 */
export type BookedConsultation = {
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  /** When it was cancelled (ISO), or null. Rescheduling changes when, never who. */
  cancelledAt: string | null;
};

/** A stored recording as the recording context bound it on the server. */
export type BoundRecording = {
  recordingId: string;
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  bytes: number;
  recordedAt: string;
};

export type ConsentShareFact = {
  shareId: string;
  recordingId: string;
  patientId: string;
  granteeId: string;
  grantedAt: string;
  until: string;
};

export type AuthorizationFacts = {
  consultations: Map<string, BookedConsultation>;
  recordings: Map<string, BoundRecording>;
  sharesByRecording: Map<string, ConsentShareFact[]>;
  /** shareId → when it was revoked; kept apart so a revocation that arrives first still counts. */
  revocations: Map<string, string>;
  /** The clinics each patient or clinician was booked in. */
  people: Map<string, Set<string>>;
};

export const emptyAuthorizationFacts = (): AuthorizationFacts => ({
  consultations: new Map(),
  recordings: new Map(),
  sharesByRecording: new Map(),
  revocations: new Map(),
  people: new Map(),
});

/**
 * Learns the facts one source event states, in place (the caller owns `facts`, so folding 100k
 * entries stays linear). The first fact about an id wins: a later contradicting copy is ignored.
 */
export const learnAuthorizationFact = (facts: AuthorizationFacts, source: AuditSource): AuthorizationFacts => {
  const d = (source.data ?? {}) as Record<string, unknown>;
  const s = (key: string): string => (typeof d[key] === 'string' ? (d[key] as string) : '');
  switch (source.type) {
    case 'ConsultationBooked': {
      const consultationId = s('consultationId');
      if (!consultationId || facts.consultations.has(consultationId)) break;
      facts.consultations.set(consultationId, {
        consultationId,
        clinicId: s('clinicId'),
        patientId: s('patientId'),
        clinicianId: s('clinicianId'),
        cancelledAt: null,
      });
      for (const person of [s('patientId'), s('clinicianId')]) {
        const clinics = facts.people.get(person) ?? new Set<string>();
        facts.people.set(person, clinics.add(s('clinicId')));
      }
      break;
    }
    case 'ConsultationRescheduled':
      // A new time, the same participants: nothing about who may replay changes.
      break;
    case 'ConsultationCancelled': {
      const consultation = facts.consultations.get(s('consultationId'));
      if (consultation && consultation.cancelledAt === null) consultation.cancelledAt = source.occurredAt;
      break;
    }
    case 'RecordingStored': {
      const recordingId = s('recordingId');
      if (!recordingId || facts.recordings.has(recordingId)) break;
      facts.recordings.set(recordingId, {
        recordingId,
        consultationId: s('consultationId'),
        clinicId: s('clinicId'),
        patientId: s('patientId'),
        clinicianId: s('clinicianId'),
        bytes: typeof d.bytes === 'number' ? d.bytes : 0,
        recordedAt: s('recordedAt') || source.occurredAt,
      });
      break;
    }
    case 'ShareGranted': {
      const recordingId = s('recordingId');
      const shares = facts.sharesByRecording.get(recordingId) ?? [];
      if (shares.some((share) => share.shareId === s('shareId'))) break;
      shares.push({
        shareId: s('shareId'),
        recordingId,
        patientId: s('patientId'),
        granteeId: s('granteeId'),
        grantedAt: source.occurredAt,
        until: s('until'),
      });
      facts.sharesByRecording.set(recordingId, shares);
      break;
    }
    case 'ShareRevoked':
      if (!facts.revocations.has(s('shareId'))) facts.revocations.set(s('shareId'), source.occurredAt);
      break;
  }
  return facts;
};

export const authorizationFactsOf = (sources: Iterable<AuditSource>): AuthorizationFacts => {
  const facts = emptyAuthorizationFacts();
  for (const source of sources) learnAuthorizationFact(facts, source);
  return facts;
};
