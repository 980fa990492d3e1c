import { queryInteger } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { FHIR_DATE_PARAM } from '../domain/fhir-audit-event.js';

export const MAX_FHIR_PAGE = 500;
export const DEFAULT_FHIR_PAGE = 100;

const fhirDate = z.string().regex(FHIR_DATE_PARAM, 'must be like ge2026-03-01 or le2026-03-01T12:00:00Z');

export class SearchFhirAuditEventsRequestDto extends createZodDto(
  z.strictObject({
    patient: z
      .string()
      .regex(/^(Patient\/)?[A-Za-z0-9._:@-]{1,128}$/, 'must be Patient/<id> or a patient id')
      .optional()
      .meta({ example: 'Patient/patient-amira', description: 'Events whose entity is this patient: `Patient/<id>` or the bare id' }),
    agent: z
      .string()
      .regex(/^([A-Z][A-Za-z]{1,40}\/)?[A-Za-z0-9._:@-]{1,128}$/, 'must be a user id, optionally as <ResourceType>/<id>')
      .optional()
      .meta({ example: 'patient-ben', description: 'Events whose requesting agent is this user: `<ResourceType>/<id>` or the bare id' }),
    entity: z
      .string()
      .regex(/^([A-Z][A-Za-z]{1,40}\/)?[A-Za-z0-9._:@-]{1,200}$/, 'must be an id, optionally as <ResourceType>/<id>')
      .optional()
      .meta({
        example: 'DocumentReference/3f0c…',
        description: 'Events with this entity (a recording or a patient): `<ResourceType>/<id>` or the bare id',
      }),
    // A query string repeats a parameter to send several; one alone arrives as a plain string.
    date: z
      .preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(fhirDate).max(4))
      .optional()
      .meta({
        example: ['ge2026-03-01', 'le2026-03-02T12:00:00Z'],
        description: 'Repeatable. A prefix (eq, ge, gt, le, lt; eq when absent) and a day (UTC) or a date-time with offset',
      }),
    _count: queryInteger(1, MAX_FHIR_PAGE).optional().meta({ default: DEFAULT_FHIR_PAGE, description: 'Resources per page' }),
    _offset: queryInteger(0).optional().meta({ default: 0, description: 'Skip this many matches (the `next` link carries it)' }),
  }),
) {}
