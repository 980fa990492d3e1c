import type { MediaMode } from '@vgp/contracts';
import type { CancelReason } from '../domain/consultation.decider.js';

export type ConsultationStatus = 'booked' | 'cancelled' | 'completed';

/** A consultation as the API shows it. */
export type ConsultationView = {
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  mode: MediaMode;
  status: ConsultationStatus;
  cancelReason: CancelReason | null;
  bookedAt: string;
  updatedAt: string;
};

/** The read model these queries answer from; wait for it (READ_MODEL_FRESHNESS) to read your own writes. */
export const CONSULTATIONS_PROJECTION = 'booking-consultations';

/** Every consultation of the booking store, one per id. */
export interface ConsultationQueries {
  get(consultationId: string): Promise<ConsultationView | null>;
  /** The clinic's consultations, optionally only a patient's or a clinician's, ordered by id. */
  inClinic(clinicId: string, filter?: { patientId?: string; clinicianId?: string }): Promise<ConsultationView[]>;
}

export const CONSULTATION_QUERIES = Symbol('CONSULTATION_QUERIES');
