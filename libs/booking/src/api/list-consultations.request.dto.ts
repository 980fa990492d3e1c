import { isoDateTimeWithOffset } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { userId } from './user-id.js';

export class ListConsultationsRequestDto extends createZodDto(
  z.strictObject({
    patientId: userId().optional().describe('Only this patient’s consultations (among those you may see)'),
    clinicianId: userId().optional().describe('Only this clinician’s consultations (among those you may see)'),
    from: isoDateTimeWithOffset().optional().describe('Starting at or after this instant (ISO 8601 with offset)'),
    to: isoDateTimeWithOffset().optional().describe('Starting before this instant (ISO 8601 with offset)'),
  }),
) {}
