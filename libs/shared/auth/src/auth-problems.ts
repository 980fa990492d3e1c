import { DomainError } from '@vgp/domain';

/** No bearer token, or one that must not be trusted: one answer whatever the reason (the reason is only logged). */
export class Unauthenticated extends DomainError {
  readonly code = 'unauthorized';
  readonly kind = 'unauthenticated';
  constructor(challenge = 'Bearer realm="vgp"') {
    super('Send a valid, unexpired bearer token in the Authorization header.', {
      title: 'Unauthorized',
      headers: { 'WWW-Authenticate': challenge },
    });
  }
}

export class NotPermitted extends DomainError {
  readonly code = 'forbidden';
  readonly kind = 'forbidden';
  constructor() {
    super('None of your roles may perform this operation.', { title: 'Forbidden' });
  }
}

/** The identity provider's keys could not be fetched: not the caller's fault. */
export class AuthenticationUnavailable extends DomainError {
  readonly code = 'auth-unavailable';
  readonly kind = 'unavailable';
  constructor() {
    super('Tokens cannot be checked right now; retry shortly.', { title: 'Authentication unavailable' });
  }
}
