import { BOOKING_FACT_EVENT_TYPES, BookingFact, BookingFactEvent, evolveBookingFact } from '@vgp/contracts';
import { ProjectionDefinition, projectionHandler } from '@vgp/read-models';
import { CONSULTATIONS_READ_MODEL } from '../application/consultation.queries';

/** One document per consultation, by consultation id (its natural key, so no further unique index). */
export const SIGNALLING_CONSULTATIONS = 'signalling_consultations';

const byConsultation = projectionHandler<BookingFact, BookingFactEvent>({
  collection: SIGNALLING_CONSULTATIONS,
  canHandle: BOOKING_FACT_EVENT_TYPES,
  keyOf: (event) => event.data.consultationId,
  evolve: evolveBookingFact,
});

/** The inbox's copies of booking's consultation events, folded into one document per consultation. */
export const signallingConsultationsProjection: ProjectionDefinition = {
  name: CONSULTATIONS_READ_MODEL,
  categories: ['inbox'],
  handlers: [byConsultation],
};
