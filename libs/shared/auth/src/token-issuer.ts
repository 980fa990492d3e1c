import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { AUTH_SETTINGS, type AuthSettings } from './auth-settings.js';
import { type Role } from '@vgp/contracts';
import { tokenClaimsSchema } from './token-claims.js';

export type TokenSubject = { sub: string; roles: Role[]; clinicId: string };

export const MAX_DEV_TOKEN_TTL_SECONDS = 24 * 3600;

/** Issues HS256 tokens for local runs and tests. Refuses to work outside AUTH_MODE=dev. */
@Injectable()
export class TokenIssuer {
  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {}

  get enabled(): boolean {
    return this.settings.mode === 'dev' && !!this.settings.secret;
  }

  async issue(subject: TokenSubject, ttlSeconds = 3600): Promise<string> {
    return (await this.issueWithExpiry(subject, ttlSeconds)).token;
  }

  async issueWithExpiry(subject: TokenSubject, ttlSeconds = 3600): Promise<{ token: string; expiresAt: string }> {
    if (!this.enabled || !this.settings.secret) throw new Error('TokenIssuer works only in AUTH_MODE=dev');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_DEV_TOKEN_TTL_SECONDS) {
      throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_DEV_TOKEN_TTL_SECONDS}`);
    }
    // Never sign what the verifier would reject.
    const claims = tokenClaimsSchema.parse(subject);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    const token = await new SignJWT({ roles: claims.roles, clinicId: claims.clinicId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(this.settings.secret));
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
