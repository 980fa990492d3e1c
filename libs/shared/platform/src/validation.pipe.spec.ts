import { type ArgumentMetadata } from '@nestjs/common';
import { InvalidRequest } from '@vgp/domain';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { isoDateTimeWithOffset, queryInteger } from './request-fields.js';
import { EdgeValidationPipe } from './validation.pipe.js';

class ProbeDto extends createZodDto(
  z.strictObject({
    patientId: z.string(),
    roles: z.array(z.enum(['patient', 'clinician'])).min(1),
    slot: z.strictObject({ startsAt: isoDateTimeWithOffset() }).optional(),
  }),
) {}

class PageDto extends createZodDto(z.strictObject({ limit: queryInteger(1, 500).optional() })) {}

const pipe = new EdgeValidationPipe();
const body: ArgumentMetadata = { type: 'body', metatype: ProbeDto };
const refusal = (value: unknown, metadata: ArgumentMetadata = body): InvalidRequest => {
  try {
    pipe.transform(value, metadata);
  } catch (error) {
    if (error instanceof InvalidRequest) return error;
    throw error;
  }
  throw new Error('expected a validation failure');
};

describe('the validation at the edge', () => {
  it('passes a valid body through, parsed', () => {
    expect(pipe.transform({ patientId: 'p1', roles: ['patient'] }, body)).toEqual({ patientId: 'p1', roles: ['patient'] });
  });

  it('names every wrong and every unknown field, with dotted paths, and echoes no value', () => {
    const error = refusal({ patientId: 42, roles: ['root'], slot: { startsAt: 'soon', extra: 1 }, patientName: 'Jane Doe' });
    expect(error.code).toBe('validation-failed');
    const errors = error.extensions.errors as Array<{ field: string; messages: string[] }>;
    expect(errors.map((e) => e.field).sort()).toEqual(['patientId', 'patientName', 'roles.0', 'slot.extra', 'slot.startsAt']);
    expect(errors.find((e) => e.field === 'patientName')?.messages).toEqual(['property patientName should not exist']);
    expect(error.message).toBe('Fix these fields: patientId, roles.0, slot.startsAt, slot.extra, patientName.');
    expect(JSON.stringify(error.extensions)).not.toContain('Jane Doe');
    expect(JSON.stringify(error.extensions)).not.toContain('soon');
  });

  it('checks a missing body as an empty one, so the client hears which fields are missing', () => {
    const errors = refusal(undefined).extensions.errors as Array<{ field: string }>;
    expect(errors.map((e) => e.field)).toEqual(['patientId', 'roles']);
  });

  it('refuses a body that is not an object, naming the body', () => {
    expect(refusal(['patient']).message).toBe('Fix these fields: (body).');
  });

  it('turns a query string number into a number, and refuses one out of range', () => {
    const query: ArgumentMetadata = { type: 'query', metatype: PageDto };
    expect(pipe.transform({ limit: '50' }, query)).toEqual({ limit: 50 });
    expect(pipe.transform({}, query)).toEqual({});
    for (const limit of ['0', '501', '1.5', 'ten'])
      expect(refusal({ limit }, query).extensions.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
  });

  it('leaves parameters without a zod DTO alone', () => {
    expect(pipe.transform('not-a-uuid', { type: 'param', metatype: String, data: 'id' })).toBe('not-a-uuid');
    expect(pipe.transform(undefined, { type: 'body', metatype: Object })).toBeUndefined();
  });
});
