import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidRequest } from '@vgp/domain';
import { createZodValidationPipe } from 'nestjs-zod';
import { z } from 'zod';

type FieldError = { field: string; messages: string[] };

const pathOf = (path: PropertyKey[]): string => path.map(String).join('.');

/** Turns zod issues into dotted field paths (`roles.0`, `slot.startsAt`), one entry per field, one entry per unknown key. */
const fieldErrors = (issues: readonly z.core.$ZodIssue[]): FieldError[] => {
  const byField = new Map<string, string[]>();
  const add = (field: string, message: string) => byField.set(field, [...(byField.get(field) ?? []), message]);
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(pathOf([...issue.path, key]), `property ${key} should not exist`);
    } else {
      add(pathOf(issue.path), issue.message);
    }
  }
  return [...byField].map(([field, messages]) => ({ field, messages }));
};

/** The one 400 of the edge: it names every offending field and never echoes a submitted value (it may be personal data). */
const validationFailed = (error: unknown): InvalidRequest => {
  const list = error instanceof z.ZodError ? fieldErrors(error.issues) : [];
  const fields = [...new Set(list.map((e) => e.field).filter(Boolean))];
  return new InvalidRequest('validation-failed', `Fix these fields: ${fields.join(', ') || '(body)'}.`, { extensions: { errors: list } });
};

const ZodPipe = createZodValidationPipe({ createValidationException: validationFailed });

/**
 * Validates every body, query and params typed with a `createZodDto` DTO. Unknown fields and wrong types are a 400.
 * No body at all is checked as `{}`, so a client hears which fields are missing rather than that the body is.
 */
@Injectable()
export class EdgeValidationPipe implements PipeTransform {
  private readonly zod = new ZodPipe();

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const absentBody = metadata.type === 'body' && (value === undefined || value === null);
    return this.zod.transform(absentBody && isZodDto(metadata.metatype) ? {} : value, metadata);
  }
}

const isZodDto = (metatype: unknown): boolean => typeof metatype === 'function' && 'isZodDto' in metatype && metatype.isZodDto === true;
