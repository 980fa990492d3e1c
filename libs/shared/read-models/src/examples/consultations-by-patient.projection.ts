import { BOOKING_FACT_EVENT_TYPES, type BookingFact, type BookingFactEvent, evolveBookingFact } from '@vgp/contracts';
import { type ProjectionDefinition, projectionHandler } from '../projection-runner.js';

/** One consultation, as a patient's list shows it; one document per consultation, found by patient. */
export type PatientConsultation = BookingFact & { updatedAt: string };

export const CONSULTATIONS_BY_PATIENT = 'consultations_by_patient';

const byConsultation = projectionHandler<PatientConsultation, BookingFactEvent>({
  collection: CONSULTATIONS_BY_PATIENT,
  indexes: [{ name: 'by_patient', fields: ['patientId'] }],
  canHandle: BOOKING_FACT_EVENT_TYPES,
  keyOf: (event) => event.data.consultationId,
  evolve: (doc, event) => {
    const fact = evolveBookingFact(doc, event);
    return fact && { ...fact, updatedAt: fact === doc ? doc.updatedAt : event.occurredAt };
  },
});

/**
 * An example projection (the rebuild tool's demo): booking's `consultation-*` streams folded into
 * one document per consultation, queried with `find(CONSULTATIONS_BY_PATIENT, { patientId })`.
 */
export const consultationsByPatientProjection: ProjectionDefinition = {
  name: 'consultations-by-patient',
  categories: ['consultation'],
  handlers: [byConsultation],
};
