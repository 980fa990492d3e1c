import { isoDateTimeWithOffset, queryInteger } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const userId = () => z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'must be a user id');
const resourceId = () => z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'must be an id');

export const MAX_AUDIT_PAGE = 500;
export const DEFAULT_AUDIT_PAGE = 100;

export class SearchAuditEventsRequestDto extends createZodDto(
  z.strictObject({
    patientId: userId().optional().describe('Entries that touched this patient'),
    actorId: userId().optional().describe('Entries caused by this user (or service)'),
    recordingId: resourceId().optional().describe('Entries that touched this recording'),
    consultationId: resourceId().optional().describe('Entries that touched this consultation'),
    action: z
      .string()
      .max(100)
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be an event type name')
      .optional()
      .describe('The event type, e.g. ReplayStreamed'),
    from: isoDateTimeWithOffset().optional().describe('Occurred at or after (ISO 8601 with offset)'),
    to: isoDateTimeWithOffset().optional().describe('Occurred before (ISO 8601 with offset)'),
    limit: queryInteger(1, MAX_AUDIT_PAGE).optional().meta({ default: DEFAULT_AUDIT_PAGE }),
    after: queryInteger(0).optional().describe('The previous page’s nextCursor: entries after this seq'),
  }),
) {}
