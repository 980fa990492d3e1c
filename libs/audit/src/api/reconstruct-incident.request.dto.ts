import { isoDateTimeWithOffset } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const MAX_INCIDENT_WINDOW_DAYS = 90;

export class ReconstructIncidentRequestDto extends createZodDto(
  z.strictObject({
    from: isoDateTimeWithOffset().meta({
      example: '2026-03-01T08:00:00Z',
      description: 'Start of the window, inclusive (ISO 8601 with offset)',
    }),
    to: isoDateTimeWithOffset().meta({
      example: '2026-03-01T10:00:00Z',
      description: `End of the window, exclusive; after \`from\` and at most ${MAX_INCIDENT_WINDOW_DAYS} days later`,
    }),
    softwareVersion: z
      .string()
      .regex(/^[A-Za-z0-9.+_-]{1,100}$/, 'must be a software version such as 2.4.0')
      .optional()
      .meta({ example: '2.4.0', description: 'Only accesses served by this software version (every version when absent)' }),
  }),
) {}
