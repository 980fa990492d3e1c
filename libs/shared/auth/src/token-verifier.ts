import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { type AuthenticatedUser } from './authenticated-user.js';
import { AUTH_SETTINGS, type AuthSettings } from './auth-settings.js';
import { InvalidToken, TokenKeysUnavailable } from './invalid-token.error.js';
import { tokenClaimsSchema } from './token-claims.js';

/** Longer than any token we issue; refuses oversized input before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/** Verifies bearer tokens (HTTP guard and WebSocket handshakes alike). */
@Injectable()
export class TokenVerifier {
  // The remote key set is created once: jose caches the keys and rate-limits refetches.
  private readonly key: Uint8Array | JWTVerifyGetKey;
  // The algorithm is pinned per mode so a token cannot choose how it is checked (no alg confusion, no 'none').
  private readonly algorithms: string[];

  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {
    if (settings.mode === 'dev') {
      if (!settings.secret) throw new Error('AUTH_MODE=dev needs JWT_SECRET');
      this.algorithms = ['HS256'];
      this.key = new TextEncoder().encode(settings.secret);
    } else {
      if (!settings.jwksUrl) throw new Error('AUTH_MODE=jwks needs JWT_JWKS_URL');
      this.algorithms = ['RS256'];
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
    }
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    if (typeof token !== 'string' || token.length === 0) throw new InvalidToken('missing');
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('malformed');
    const payload = await this.verifySignature(token);
    const claims = tokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new InvalidToken('bad_claims');
    return { id: claims.data.sub, roles: [...new Set(claims.data.roles)], clinicId: claims.data.clinicId };
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    try {
      const key = this.key;
      const options = {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      };
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      return payload;
    } catch (error) {
      throw mapJoseError(error);
    }
  }
}

const mapJoseError = (error: unknown): Error => {
  if (error instanceof errors.JWTExpired) return new InvalidToken('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'iss' || error.claim === 'aud' ? new InvalidToken('wrong_issuer_or_audience') : new InvalidToken('bad_claims');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new InvalidToken('bad_signature');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new InvalidToken('unsupported_algorithm');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return new TokenKeysUnavailable();
  // A failed JWKS fetch surfaces as a plain (network) error; anything else is a malformed token.
  if (error instanceof errors.JOSEError) return new InvalidToken('malformed');
  if (error instanceof TypeError && /fetch/i.test(error.message)) return new TokenKeysUnavailable();
  return new InvalidToken('malformed');
};
