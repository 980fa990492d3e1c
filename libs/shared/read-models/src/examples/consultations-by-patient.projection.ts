import type { ConsultationEventData, MediaMode } from '@vgp/contracts';
import { StoredEvent } from '@vgp/event-store';
import { ProjectionDefinition, ProjectionHandler } from '../projection-runner';

/** One consultation, as a patient's list shows it; one document per consultation, found by patient. */
export type PatientConsultation = {
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  durationMinutes: number;
  mode: MediaMode;
  status: 'booked' | 'cancelled' | 'completed';
  updatedAt: string;
};

export const CONSULTATIONS_BY_PATIENT = 'consultations_by_patient';

const fold = (doc: PatientConsultation | null, event: StoredEvent): PatientConsultation | null => {
  const at = event.occurredAt;
  switch (event.type) {
    case 'ConsultationBooked': {
      const d = event.data as ConsultationEventData['ConsultationBooked'];
      const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } = d;
      return { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode, status: 'booked', updatedAt: at };
    }
    case 'ConsultationRescheduled': {
      const d = event.data as ConsultationEventData['ConsultationRescheduled'];
      return doc && { ...doc, startsAt: d.startsAt, durationMinutes: d.durationMinutes, updatedAt: at };
    }
    case 'ConsultationCancelled':
      return doc && { ...doc, status: 'cancelled', updatedAt: at };
    case 'ConsultationCompleted':
      return doc && { ...doc, status: 'completed', updatedAt: at };
    default:
      return doc;
  }
};

const byConsultation: ProjectionHandler<PatientConsultation> = {
  collection: CONSULTATIONS_BY_PATIENT,
  indexes: [{ name: 'by_patient', fields: ['patientId'] }],
  keyOf: (event) => (event.data as { consultationId?: unknown }).consultationId?.toString() ?? null,
  fold,
};

/**
 * An example projection (the rebuild tool's demo): booking's `consultation-*` streams folded into
 * one document per consultation, queried with `find(CONSULTATIONS_BY_PATIENT, { patientId })`.
 */
export const consultationsByPatientProjection: ProjectionDefinition = {
  name: 'consultations-by-patient',
  categories: ['consultation'],
  handlers: [byConsultation as ProjectionHandler],
};
