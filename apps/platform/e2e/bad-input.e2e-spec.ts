import { SignJWT } from 'jose';
import { PlatformClient } from '@vgp/testing';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

const SECRET = 'e2e-only-secret-that-is-long-enough-for-hs256!';
const clinicId = 'clinic-bad-input';

/** Bad input of every kind answers 4xx problem+json, never a 500, and nothing is half-written. */
describe('bad input at the edge', () => {
  let platform: TestPlatform;
  let api: PlatformClient;
  let admin: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ env: { JWT_SECRET: SECRET } });
    api = platform.client;
    admin = await api.token('admin-1', ['clinic_admin'], clinicId);
  });
  afterAll(() => platform?.close());

  const valid = () => ({
    patientId: 'patient-1',
    clinicianId: 'dr-1',
    startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 20,
    mode: 'video',
  });

  const sign = (claims: Record<string, unknown>, secret = SECRET, expiresIn: string | number = '5m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(claims.sub ?? 'admin-1'))
      .setIssuer(process.env.JWT_ISSUER ?? 'vgp-dev')
      .setAudience(process.env.JWT_AUDIENCE ?? 'vgp-api')
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(secret));

  const cases: Array<
    [string, () => Promise<{ path?: string; body?: unknown; raw?: { contentType: string; data: string }; token?: string | null }>, number]
  > = [
    ['malformed JSON', async () => ({ raw: { contentType: 'application/json', data: '{"patientId": "p1",' } }), 400],
    ['a wrong type', async () => ({ body: { ...valid(), durationMinutes: 'twenty' } }), 400],
    ['an unknown field', async () => ({ body: { ...valid(), recordingOwner: 'someone-else' } }), 400],
    ['a missing field', async () => ({ body: { ...valid(), clinicianId: undefined } }), 400],
    ['an invalid mode', async () => ({ body: { ...valid(), mode: 'hologram' } }), 400],
    [
      'an oversized body',
      async () => ({ raw: { contentType: 'application/json', data: JSON.stringify({ ...valid(), padding: 'x'.repeat(2_000_000) }) } }),
      413,
    ],
    ['no token', async () => ({ body: valid(), token: null }), 401],
    ['a garbage token', async () => ({ body: valid(), token: 'not.a.jwt' }), 401],
    [
      'an expired token',
      async () => ({ body: valid(), token: await sign({ roles: ['clinic_admin'], clinicId }, SECRET, Math.floor(Date.now() / 1000) - 60) }),
      401,
    ],
    [
      'a forged token',
      async () => ({ body: valid(), token: await sign({ roles: ['clinic_admin'], clinicId }, 'another-secret-of-sufficient-length-1234') }),
      401,
    ],
    ['a token with an unknown role', async () => ({ body: valid(), token: await sign({ roles: ['superuser'], clinicId }) }), 401],
    ['a token without a clinic', async () => ({ body: valid(), token: await sign({ roles: ['clinic_admin'] }) }), 401],
  ];

  it.each(cases)('%s answers %i problem+json and books nothing', async (_name, make, status) => {
    const c = await make();
    const token = c.token === null ? undefined : (c.token ?? admin);
    const answer = await api.request('POST', c.path ?? '/v1/consultations', { token, body: c.body, raw: c.raw });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
    expect(answer.text).not.toMatch(/at .+\.(ts|js):\d+/);
    const list = await api.request('GET', '/v1/consultations', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it('names the offending fields so a frontend developer can fix the request', async () => {
    const answer = await api.request('POST', '/v1/consultations', { token: admin, body: { ...valid(), durationMinutes: 'x', extra: 1 } });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toMatch(/durationMinutes/);
    expect(JSON.stringify(answer.body)).toMatch(/extra/);
  });

  it('answers malformed and unknown ids with the same 404 as a missing resource', async () => {
    const a = await api.request('GET', '/v1/consultations/not-a-uuid', { token: admin });
    const b = await api.request('GET', '/v1/consultations/7a0c7a8e-1f7e-4b8e-9d55-1b1e0c6f0a11', { token: admin });
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(a.body.title).toBe(b.body.title);
    expect(a.body.detail).toBe(b.body.detail);
  });

  it('refuses an upload that is not audio or video', async () => {
    const clinician = await api.token('dr-1', ['clinician'], clinicId);
    const answer = await api.request('POST', '/v1/calls/7a0c7a8e-1f7e-4b8e-9d55-1b1e0c6f0a11/recordings', {
      token: clinician,
      raw: { contentType: 'application/pdf', data: '%PDF-1.4' },
    });
    expect([404, 415]).toContain(answer.status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
