import { bookingFactsHandler, type ProjectionDefinition } from '@vgp/read-models';
import { CONSULTATIONS_READ_MODEL } from '../application/consultation.queries.js';

/** One document per consultation, by consultation id (its natural key, so no further unique index). */
export const SIGNALLING_CONSULTATIONS = 'signalling_consultations';

const byConsultation = bookingFactsHandler(SIGNALLING_CONSULTATIONS);

/** The inbox's copies of booking's consultation events, folded into one document per consultation. */
export const signallingConsultationsProjection: ProjectionDefinition = {
  name: CONSULTATIONS_READ_MODEL,
  categories: ['inbox'],
  handlers: [byConsultation],
};
