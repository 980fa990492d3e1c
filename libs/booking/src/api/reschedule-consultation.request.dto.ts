import { isoDateTimeWithOffset } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from '../domain/consultation.decider.js';

export class RescheduleConsultationRequestDto extends createZodDto(
  z.strictObject({
    startsAt: isoDateTimeWithOffset().meta({ example: '2026-03-02T09:00:00Z', description: 'ISO 8601 with offset; must be in the future' }),
    durationMinutes: z.int().min(MIN_DURATION_MINUTES).max(MAX_DURATION_MINUTES).meta({ example: 30 }),
  }),
) {}
