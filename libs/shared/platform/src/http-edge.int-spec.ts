import { Body, Controller, Get, Module, Param, Post, Req } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { InjectOptions } from 'fastify';
import { type AuthenticatedUser, CurrentUser, Public, Roles, TokenIssuer, DEV_JWT_SECRET } from '@vgp/auth';
import { SignJWT } from 'jose';
import { createZodDto } from 'nestjs-zod';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { EventMetadataFactory } from './event-metadata.factory.js';
import { HealthRegistry } from './health-registry.js';
import { createTestingHttpApp } from './http-app.js';
import { PlatformModule } from './platform.module.js';
import { currentCorrelationId } from './request-context.js';

class BookRequestDto extends createZodDto(
  z.strictObject({ patientId: z.string(), durationMinutes: z.int().min(5).max(240), mode: z.enum(['audio', 'video']) }),
) {}

@Controller('v1/probe')
class ProbeController {
  constructor(private readonly metadata: EventMetadataFactory) {}

  @Post('book')
  book(@Body() body: BookRequestDto, @CurrentUser() user: AuthenticatedUser) {
    return { body, metadata: this.metadata.forUser(user) };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database exploded for patient jane@example.org at /srv/secret');
  }

  @Get('clinicians-only')
  @Roles('clinician')
  cliniciansOnly(@CurrentUser() user: AuthenticatedUser) {
    return { id: user.id };
  }

  @Post('upload')
  async upload(@Req() req: { body: AsyncIterable<Buffer> }) {
    let bytes = 0;
    for await (const chunk of req.body) bytes += chunk.length;
    return { bytes };
  }

  @Public()
  @Get('open')
  open() {
    return { ok: true, correlationId: currentCorrelationId() };
  }
}

@Controller('v1/replay-streams')
class FakeReplayStreamController {
  @Get(':token')
  stream(@Param('token') _token: string, @Req() _req: unknown) {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController, FakeReplayStreamController] })
class ProbeModule {}

const captureLogs = () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination: destination as unknown as { write(msg: string): void } };
};

describe('the HTTP edge of every service', () => {
  let app: NestFastifyApplication;
  let token: string;
  const logs = captureLogs();

  const inject = (opts: InjectOptions) => app.getHttpAdapter().getInstance().inject(opts);

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PlatformModule.forRoot({
          serviceName: 'probe',
          env: {
            NODE_ENV: 'test',
            LOG_LEVEL: 'debug',
            MAX_JSON_BODY_BYTES: '2048',
            MAX_UPLOAD_BYTES: '100000',
            FEATURE_FLAGS: 'media-switch,replay-v2',
          },
          logDestination: logs.destination,
        }),
        ProbeModule,
      ],
    }).compile();
    app = createTestingHttpApp(moduleRef, { swagger: true });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    token = await app.get(TokenIssuer).issue({ sub: 'clinician-1', roles: ['clinician'], clinicId: 'clinic-1' });
  });

  afterAll(() => app.close());

  const auth = () => ({ authorization: `Bearer ${token}` });
  const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      status,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
      instance: expect.any(String),
      correlationId: expect.any(String),
    });
    expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    return body;
  };

  it('answers a valid request and stamps events with the caller, correlation, version and flags', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/book',
      headers: { ...auth(), 'x-correlation-id': 'corr-123' },
      payload: { patientId: 'p1', durationMinutes: 30, mode: 'audio' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-correlation-id']).toBe('corr-123');
    expect(res.json().metadata).toEqual({
      actor: { id: 'clinician-1', role: 'clinician', clinicId: 'clinic-1' },
      correlationId: 'corr-123',
      causationId: null,
      softwareVersion: expect.any(String),
      featureFlags: ['media-switch', 'replay-v2'],
    });
  });

  it('replaces an insane correlation id with a fresh uuid', async () => {
    const res = await inject({ method: 'GET', url: '/v1/probe/open', headers: { 'x-correlation-id': 'bad id\u0000; drop' } });
    const echoed = res.headers['x-correlation-id'] as string;
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json().correlationId).toBe(echoed);
  });

  it('rejects malformed JSON with a 400 problem', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/book',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload: '{"patientId": ',
    });
    expectProblem(res, 400);
  });

  it('names every field with a wrong type or that should not be there', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/book',
      headers: auth(),
      payload: { patientId: 42, durationMinutes: 'thirty', mode: 'audio', patientName: 'Jane Doe' },
    });
    const body = expectProblem(res, 400);
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['patientId', 'durationMinutes', 'patientName']));
    expect(res.body).not.toContain('Jane Doe');
  });

  it('refuses a body over the JSON limit with 413', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/book',
      headers: auth(),
      payload: { patientId: 'x'.repeat(5000), durationMinutes: 30, mode: 'audio' },
    });
    expectProblem(res, 413);
  });

  it('refuses an unsupported media type with 415', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/book',
      headers: { ...auth(), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectProblem(res, 415);
  });

  it('answers an unknown route with a 404 problem that does not echo the path', async () => {
    const res = await inject({ method: 'GET', url: '/v1/nothing-here/secret-ish', headers: auth() });
    const body = expectProblem(res, 404);
    expect(body.detail).not.toContain('secret-ish');
    expect(res.headers['x-correlation-id']).toBe(body.correlationId);
  });

  it('hides an unexpected error behind a generic 500 without stack or message', async () => {
    const res = await inject({ method: 'GET', url: '/v1/probe/boom', headers: auth() });
    const body = expectProblem(res, 500);
    expect(res.body).not.toContain('exploded');
    expect(res.body).not.toContain('stack');
    expect(body.detail).toMatch(/unexpected/i);
  });

  it.each([
    ['missing', undefined],
    ['not a bearer', 'Basic abc'],
    ['forged', 'forged'],
    ['expired', 'expired'],
  ])('answers a %s token with a 401 problem and WWW-Authenticate', async (_case, kind) => {
    let header: string | undefined = kind;
    if (kind === 'forged') header = `Bearer ${await sign('a-completely-different-secret-of-32-chars!!', 3600)}`;
    if (kind === 'expired') header = `Bearer ${await sign(DEV_JWT_SECRET, -120)}`;
    const res = await inject({ method: 'GET', url: '/v1/probe/clinicians-only', headers: header ? { authorization: header } : {} });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers a caller without the required role with a 403 problem', async () => {
    const patient = await app.get(TokenIssuer).issue({ sub: 'patient-1', roles: ['patient'], clinicId: 'clinic-1' });
    const res = await inject({ method: 'GET', url: '/v1/probe/clinicians-only', headers: { authorization: `Bearer ${patient}` } });
    expectProblem(res, 403);
  });

  it('reports liveness and readiness from the registered checks', async () => {
    expect((await inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const registry = app.get(HealthRegistry);
    registry.register('event-store', async () => true);
    expect((await inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    registry.register('bus', async () => false);
    const down = await inject({ method: 'GET', url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json().error).toHaveProperty('bus');
    registry.unregister('bus');
  });

  it('exposes the request duration histogram by route template', async () => {
    await inject({ method: 'GET', url: '/v1/probe/open' });
    const res = await inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*method="GET"[^}]*route="\/v1\/probe\/open"[^}]*status_code="200"/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves the dev token endpoint outside production', async () => {
    const res = await inject({ method: 'POST', url: '/v1/dev/tokens', payload: { sub: 'p1', roles: ['patient'], clinicId: 'c1' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ token: expect.any(String), expiresAt: expect.any(String) });
  });

  it('streams an audio or video upload past the JSON body limit to the handler', async () => {
    const payload = Buffer.alloc(50_000, 7);
    const res = await inject({ method: 'POST', url: '/v1/probe/upload', headers: { ...auth(), 'content-type': 'video/webm' }, payload });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ bytes: 50_000 });
  });

  it('refuses an upload declared larger than MAX_UPLOAD_BYTES with 413', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/probe/upload',
      headers: { ...auth(), 'content-type': 'audio/ogg' },
      payload: Buffer.alloc(100_001),
    });
    expectProblem(res, 413);
  });

  it('documents the API with bearer auth at /docs-json', async () => {
    const res = await inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/dev/tokens', '/health/live', '/health/ready', '/metrics']));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('never writes a bearer token or a replay-stream token to the logs', async () => {
    const streamToken = 'rst_SuperSecretStreamToken_0123456789abcdef';
    await inject({ method: 'GET', url: `/v1/replay-streams/${streamToken}?token=${streamToken}`, headers: auth() });
    await inject({ method: 'GET', url: `/v1/replay-streams/${streamToken}`, headers: { authorization: 'Bearer not-a-jwt' } });
    await inject({ method: 'GET', url: '/v1/probe/boom', headers: { ...auth(), cookie: 'session=abc' } });
    await new Promise((r) => setTimeout(r, 50));
    const all = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(all).toContain('/v1/replay-streams/[redacted]');
    expect(all).not.toContain(streamToken);
    expect(all).not.toContain(token);
    expect(all).not.toContain('not-a-jwt');
    expect(all).not.toContain('session=abc');
    expect(all).not.toContain('jane@example.org');
    for (const line of logs.lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('the HTTP edge in production', () => {
  it('has no dev token endpoint', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PlatformModule.forRoot({
          serviceName: 'probe',
          env: { NODE_ENV: 'production', AUTH_MODE: 'jwks', JWT_JWKS_URL: 'https://idp.example/jwks', LOG_LEVEL: 'silent' },
        }),
      ],
    }).compile();
    const app = createTestingHttpApp(moduleRef);
    await app.init();
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/v1/dev/tokens', payload: { sub: 'p', roles: ['patient'], clinicId: 'c' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await app.close();
  });
});

const sign = (secret: string, expiresInSeconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['clinician'], clinicId: 'clinic-1' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('clinician-1')
    .setIssuer('vgp-dev')
    .setAudience('vgp-api')
    .setIssuedAt(now - 3600)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
};
