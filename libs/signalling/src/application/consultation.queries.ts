import { type ConsultationFacts } from '../domain/call.decider.js';

/** The booking facts read model's name, for read-your-writes (`READ_MODEL_FRESHNESS.caughtUp`). */
export const CONSULTATIONS_READ_MODEL = 'signalling-consultations';

/** Booking facts as the inbox copied them: who may call, and when. */
export interface ConsultationQueries {
  get(consultationId: string): Promise<ConsultationFacts | null>;
}
export const CONSULTATION_QUERIES = Symbol('SIGNALLING_CONSULTATION_QUERIES');
