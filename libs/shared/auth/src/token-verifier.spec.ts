import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { devAuthSettings, DEV_JWT_SECRET } from './auth-settings.js';
import { InvalidToken } from './invalid-token.error.js';
import { TokenIssuer } from './token-issuer.js';
import { TokenVerifier } from './token-verifier.js';

const settings = devAuthSettings();
const verifier = new TokenVerifier(settings);
const secret = new TextEncoder().encode(DEV_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

const token = (
  claims: Record<string, unknown> = {},
  opts: { key?: Uint8Array; iss?: string; aud?: string; exp?: number; alg?: string } = {},
) => {
  const jwt = new SignJWT({ roles: ['patient'], clinicId: 'clinic-1', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
    .setIssuer(opts.iss ?? 'vgp-dev')
    .setAudience(opts.aud ?? 'vgp-api')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now() + 600);
  if (!('sub' in claims)) jwt.setSubject('patient-1');
  return jwt.sign(opts.key ?? secret);
};

const rejection = async (jwt: string) => {
  try {
    await verifier.verify(jwt);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidToken);
    // The reason stays internal; the message never carries the token.
    if (jwt) expect((error as Error).message).not.toContain(jwt);
    return (error as InvalidToken).reason;
  }
  throw new Error('token was accepted');
};

describe('who may call the platform: bearer token verification', () => {
  it('accepts a well-formed token signed with the dev secret', async () => {
    await expect(verifier.verify(await token({ roles: ['clinician', 'clinician'] }))).resolves.toEqual({
      id: 'patient-1',
      roles: ['clinician'],
      clinicId: 'clinic-1',
    });
  });

  it('accepts what the dev issuer issues', async () => {
    const issued = await new TokenIssuer(settings).issue({ sub: 'c1', roles: ['compliance_officer'], clinicId: 'k1' }, 60);
    await expect(verifier.verify(issued)).resolves.toEqual({ id: 'c1', roles: ['compliance_officer'], clinicId: 'k1' });
  });

  it('rejects an expired token, beyond the small clock tolerance', async () => {
    expect(await rejection(await token({}, { exp: now() - 30 }))).toBe('expired');
  });

  it('tolerates a few seconds of clock skew', async () => {
    await expect(verifier.verify(await token({}, { exp: now() - 2 }))).resolves.toBeDefined();
  });

  it('rejects a token forged with another secret', async () => {
    expect(await rejection(await token({}, { key: new TextEncoder().encode('x'.repeat(40)) }))).toBe('bad_signature');
  });

  it('rejects a token for another issuer or audience', async () => {
    expect(await rejection(await token({}, { iss: 'evil' }))).toBe('wrong_issuer_or_audience');
    expect(await rejection(await token({}, { aud: 'other-api' }))).toBe('wrong_issuer_or_audience');
  });

  it('rejects an unsigned token (alg none)', async () => {
    const unsigned = new UnsecuredJWT({ roles: ['patient'], clinicId: 'clinic-1' })
      .setSubject('patient-1')
      .setIssuer('vgp-dev')
      .setAudience('vgp-api')
      .setExpirationTime(now() + 600)
      .encode();
    expect(await rejection(unsigned)).toBe('unsupported_algorithm');
  });

  it('rejects another HMAC algorithm even with the right secret (alg is pinned)', async () => {
    expect(await rejection(await token({}, { alg: 'HS512' }))).toBe('unsupported_algorithm');
  });

  it('rejects an RS256 token in dev mode (no algorithm confusion)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const jwt = await new SignJWT({ roles: ['patient'], clinicId: 'c' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('p')
      .setIssuer('vgp-dev')
      .setAudience('vgp-api')
      .setExpirationTime(now() + 600)
      .sign(privateKey);
    expect(await rejection(jwt)).toBe('unsupported_algorithm');
  });

  it('rejects a token without an expiry', async () => {
    const jwt = await new SignJWT({ roles: ['patient'], clinicId: 'c' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p')
      .setIssuer('vgp-dev')
      .setAudience('vgp-api')
      .sign(secret);
    expect(await rejection(jwt)).toBe('bad_claims');
  });

  it.each([
    ['an unknown role', { roles: ['superuser'] }],
    ['no roles', { roles: [] }],
    ['roles that are not a list', { roles: 'patient' }],
    ['no clinicId', { clinicId: undefined }],
    ['an empty clinicId', { clinicId: '  ' }],
    ['an empty subject', { sub: '' }],
  ])('rejects a token with %s', async (_case, claims) => {
    expect(await rejection(await token(claims))).toBe('bad_claims');
  });

  it('rejects garbage and oversized input', async () => {
    expect(await rejection('not.a.jwt')).toBe('malformed');
    expect(await rejection('')).toBe('missing');
    expect(await rejection('a'.repeat(9000))).toBe('malformed');
  });

  it('refuses to issue tokens outside dev mode', async () => {
    const issuer = new TokenIssuer(devAuthSettings({ mode: 'jwks', secret: undefined, jwksUrl: 'https://idp.example/jwks' }));
    await expect(issuer.issue({ sub: 'p', roles: ['patient'], clinicId: 'c' })).rejects.toThrow(/AUTH_MODE=dev/);
  });
});
