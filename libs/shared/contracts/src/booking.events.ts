import { z } from 'zod';
import { id, isoDate, mediaModeSchema } from './common.js';

/** Integration events of the booking context (topic `consultation.events`). */
export const consultationEventSchemas = {
  ConsultationBooked: z.object({
    consultationId: id(),
    clinicId: id(),
    patientId: id(),
    clinicianId: id(),
    startsAt: isoDate(),
    durationMinutes: z.number().int().min(5).max(240),
    mode: mediaModeSchema,
  }),
  ConsultationRescheduled: z.object({
    consultationId: id(),
    startsAt: isoDate(),
    durationMinutes: z.number().int().min(5).max(240),
  }),
  ConsultationCancelled: z.object({
    consultationId: id(),
    reason: z.enum(['patient_request', 'clinician_request', 'clinic_request', 'no_show', 'other']),
  }),
  ConsultationCompleted: z.object({ consultationId: id() }),
} as const;
