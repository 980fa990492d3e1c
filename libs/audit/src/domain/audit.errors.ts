import { DomainError } from '@vgp/domain';

/** A FHIR `date` search parameter naming a day or time that does not exist (2026-02-30, 25:00). */
export class InvalidFhirDate extends DomainError {
  readonly code = 'validation-failed';
  readonly kind = 'invalid';

  constructor(readonly value: string) {
    super(`not a FHIR date parameter: ${value}`);
  }

  /** The message quotes the value for logs; the client is told which parameter, not its text back. */
  override get detail(): string {
    return '`date` holds a day or time that does not exist.';
  }
}
