import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CANCEL_REASONS } from '../domain/consultation.decider.js';

export class CancelConsultationRequestDto extends createZodDto(
  z.strictObject({
    reason: z.enum(CANCEL_REASONS).meta({
      example: 'patient_request',
      description: 'A reason code; free text is not accepted (it could hold personal data).',
    }),
  }),
) {}
