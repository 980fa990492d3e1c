import { mediaModeSchema } from '@vgp/contracts';
import { isoDateTimeWithOffset } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from '../domain/consultation.decider.js';
import { userId } from './user-id.js';

export class BookConsultationRequestDto extends createZodDto(
  z.strictObject({
    patientId: userId().meta({ example: 'patient-amira' }),
    clinicianId: userId().meta({ example: 'dr-okafor' }),
    startsAt: isoDateTimeWithOffset().meta({
      example: '2026-03-01T09:00:00+01:00',
      description: 'ISO 8601 with offset; must be in the future',
    }),
    durationMinutes: z.int().min(MIN_DURATION_MINUTES).max(MAX_DURATION_MINUTES).meta({ example: 20 }),
    mode: mediaModeSchema.meta({ example: 'video' }),
  }),
) {}
