import { BOOKING_FACT_EVENT_TYPES, evolveBookingFact } from '@vgp/contracts';
import { type ProjectionDefinition, projectionHandler, type StoredOf } from '@vgp/read-models';
import { CONSULTATIONS_PROJECTION, type ConsultationView } from '../application/consultation.queries.js';
import { type ConsultationEvent, endsAt } from '../domain/consultation.decider.js';

export { CONSULTATIONS_PROJECTION };

/** One document per consultation, by id. */
export const CONSULTATIONS_COLLECTION = 'booking_consultations';

/**
 * Pure: the consultation's view after one event of its stream. Status and time follow the one booking-facts
 * fold, so a repeated booking or a change after cancel/complete leaves the view as it is.
 */
export const foldConsultation = (view: ConsultationView | null, event: StoredOf<ConsultationEvent>): ConsultationView | null => {
  const fact = evolveBookingFact(view, event);
  if (fact === null || fact === view) return view;
  const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode, status } = fact;
  return {
    consultationId,
    clinicId,
    patientId,
    clinicianId,
    startsAt,
    endsAt: endsAt(fact),
    durationMinutes,
    mode,
    status,
    cancelReason: event.type === 'ConsultationCancelled' ? event.data.reason : (view?.cancelReason ?? null),
    bookedAt: view?.bookedAt ?? event.occurredAt,
    updatedAt: event.occurredAt,
  };
};

const byConsultation = projectionHandler<ConsultationView, ConsultationEvent>({
  collection: CONSULTATIONS_COLLECTION,
  // No natural unique key besides the consultation id, which is the document id.
  indexes: [
    // The overlap facts: a clinic's consultations that still take up time.
    { name: 'by_clinic_status', fields: ['clinicId', 'status'] },
    { name: 'by_clinic_patient', fields: ['clinicId', 'patientId'] },
    { name: 'by_clinic_clinician', fields: ['clinicId', 'clinicianId'] },
  ],
  canHandle: BOOKING_FACT_EVENT_TYPES,
  keyOf: (event) => event.data.consultationId,
  evolve: foldConsultation,
});

/**
 * Booking's `consultation` streams folded into one document per consultation (MongoDB in distributed
 * mode, memory when embedded). It answers GET and list, and supplies the overlap facts.
 */
export const consultationsProjection: ProjectionDefinition = {
  name: CONSULTATIONS_PROJECTION,
  categories: ['consultation'],
  handlers: [byConsultation],
};
