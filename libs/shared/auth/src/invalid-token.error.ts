export type InvalidTokenReason =
  'missing' | 'malformed' | 'expired' | 'bad_signature' | 'bad_claims' | 'wrong_issuer_or_audience' | 'unsupported_algorithm';

/**
 * A bearer token that must not be trusted. `reason` is for server-side diagnostics only:
 * the client always gets the same 401, and the token itself is never attached.
 */
export class InvalidToken extends Error {
  constructor(readonly reason: InvalidTokenReason) {
    super('invalid bearer token');
    this.name = 'InvalidToken';
  }
}

/** The key set of the identity provider could not be fetched: not the caller's fault. */
export class TokenKeysUnavailable extends Error {
  constructor() {
    super('token signing keys are unavailable');
    this.name = 'TokenKeysUnavailable';
  }
}
