import { DomainError } from '@vgp/domain';

/** The token subject is recorded as the actor of what it changes, so it must be a well-formed user id. */
export class InvalidSubject extends DomainError {
  readonly code = 'invalid-subject';
  readonly kind = 'forbidden';
  constructor() {
    super('The token’s subject is not a valid user id (1 to 128 of A-Z a-z 0-9 . _ : @ -).', { title: 'Forbidden' });
  }
}
