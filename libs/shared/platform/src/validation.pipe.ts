import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidRequest } from '@vgp/domain';

export type FieldError = { field: string; messages: string[] };

/** Flattens nested class-validator errors into dotted field paths (`roles.0`, `slot.startsAt`). */
export const fieldErrors = (errors: ValidationError[], parent = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });

/** Unknown fields and wrong types are a 400 that names every offending field. */
export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // Never echo submitted values back (they may be personal data).
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = fieldErrors(errors);
      return new InvalidRequest(
        'validation-failed',
        `Fix these fields: ${[...new Set(list.map((e) => e.field))].join(', ') || '(body)'}.`,
        {
          extensions: { errors: list },
        },
      );
    },
  });
