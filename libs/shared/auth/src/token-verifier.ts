import { Inject, Injectable } from '@nestjs/common';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { loadJose } from './jose.loader';
import { AuthenticatedUser } from './authenticated-user';
import { AUTH_SETTINGS, AuthSettings } from './auth-settings';
import { InvalidToken, TokenKeysUnavailable } from './invalid-token.error';
import { tokenClaimsSchema } from './token-claims';

/** Longer than any token we issue; refuses oversized input before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/** Verifies bearer tokens (HTTP guard and WebSocket handshakes alike). */
@Injectable()
export class TokenVerifier {
  private key?: Promise<Uint8Array | JWTVerifyGetKey>;
  // The algorithm is pinned per mode so a token cannot choose how it is checked (no alg confusion, no 'none').
  private readonly algorithms: string[];

  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {
    if (settings.mode === 'dev') {
      if (!settings.secret) throw new Error('AUTH_MODE=dev needs JWT_SECRET');
      this.algorithms = ['HS256'];
    } else {
      if (!settings.jwksUrl) throw new Error('AUTH_MODE=jwks needs JWT_JWKS_URL');
      this.algorithms = ['RS256'];
    }
  }

  private verificationKey(): Promise<Uint8Array | JWTVerifyGetKey> {
    const { mode, secret, jwksUrl } = this.settings;
    // The remote key set is created once: jose caches the keys and rate-limits refetches.
    this.key ??= loadJose().then(({ createRemoteJWKSet }) =>
      mode === 'dev'
        ? new TextEncoder().encode(secret)
        : createRemoteJWKSet(new URL(jwksUrl as string), { cooldownDuration: 30_000, timeoutDuration: 5_000 }),
    );
    return this.key;
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
    const jose = await loadJose();
    try {
      const key = await this.verificationKey();
      const options = {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      };
      const { payload } = key instanceof Uint8Array ? await jose.jwtVerify(token, key, options) : await jose.jwtVerify(token, key, options);
      return payload;
    } catch (error) {
      throw mapJoseError(error, jose.errors);
    }
  }
}

const mapJoseError = (error: unknown, errors: typeof import('jose').errors): Error => {
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
