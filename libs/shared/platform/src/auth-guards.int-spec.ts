import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createServer, Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  type AuthenticatedUser,
  AuthModule,
  type AuthSettings,
  CurrentUser,
  devAuthSettings,
  InvalidToken,
  JwtAuthGuard,
  Public,
  Roles,
  TokenIssuer,
  TokenVerifier,
} from '@vgp/auth';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { EdgeValidationPipe } from './validation.pipe.js';

@Controller('matrix')
class MatrixController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }

  @Get('any-user')
  anyUser(@CurrentUser() user: AuthenticatedUser) {
    return user;
  }

  @Roles('clinician', 'clinic_admin')
  @Get('staff')
  staff() {
    return { ok: true };
  }
}

@Roles('compliance_officer')
@Controller('audit')
class AuditOnlyController {
  @Get()
  list() {
    return { ok: true };
  }
}

@Module({ controllers: [MatrixController, AuditOnlyController] })
class MatrixModule {}

const appWith = async (settings: AuthSettings): Promise<NestFastifyApplication> => {
  const moduleRef = await Test.createTestingModule({ imports: [AuthModule.forRoot(settings), MatrixModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
  app.useGlobalPipes(new EdgeValidationPipe());
  // The guards refuse with DomainErrors; the platform's filter renders them, as in every app.
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
};

describe('who reaches which route: the global guards', () => {
  let app: NestFastifyApplication;
  let issue: (roles: AuthenticatedUser['roles']) => Promise<string>;
  const get = (url: string, token?: string) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    app = await appWith(devAuthSettings());
    const issuer = app.get(TokenIssuer);
    issue = (roles) => issuer.issue({ sub: 'u1', roles, clinicId: 'clinic-1' });
  });
  afterAll(() => app.close());

  it('lets anyone reach a public route', async () => {
    expect((await get('/matrix/public')).statusCode).toBe(200);
  });

  it('turns away a caller without a token, asking for a bearer token', async () => {
    const res = await get('/matrix/any-user');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('turns away a caller whose token does not verify', async () => {
    const res = await get('/matrix/any-user', 'eyJhbGciOiJIUzI1NiJ9.e30.bad');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*invalid_token/);
  });

  it('gives the handler the verified caller', async () => {
    const res = await get('/matrix/any-user', await issue(['patient']));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'u1', roles: ['patient'], clinicId: 'clinic-1' });
  });

  it.each([
    ['/matrix/staff', ['patient'], 403],
    ['/matrix/staff', ['clinician'], 200],
    ['/matrix/staff', ['patient', 'clinic_admin'], 200],
    ['/matrix/staff', ['compliance_officer'], 403],
    ['/audit', ['compliance_officer'], 200],
    ['/audit', ['clinician'], 403],
    ['/audit', ['patient'], 403],
  ] as const)('%s with roles %j answers %i', async (url, roles, status) => {
    expect((await get(url, await issue([...roles]))).statusCode).toBe(status);
  });

  it('issues dev tokens on POST /v1/dev/tokens outside production', async () => {
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/v1/dev/tokens',
        payload: { sub: 'p1', roles: ['patient'], clinicId: 'c1', ttlSeconds: 60 },
      });
    expect(res.statusCode).toBe(201);
    const { token, expiresAt } = res.json();
    await expect(app.get(TokenVerifier).verify(token)).resolves.toEqual({ id: 'p1', roles: ['patient'], clinicId: 'c1' });
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it.each([
    ['an unknown role', { sub: 'p1', roles: ['root'], clinicId: 'c1' }],
    ['no roles', { sub: 'p1', roles: [], clinicId: 'c1' }],
    ['no clinicId', { sub: 'p1', roles: ['patient'] }],
    ['an extra field', { sub: 'p1', roles: ['patient'], clinicId: 'c1', admin: true }],
    ['a ttl too long', { sub: 'p1', roles: ['patient'], clinicId: 'c1', ttlSeconds: 10 ** 9 }],
  ])('refuses a dev token request with %s', async (_case, payload) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/v1/dev/tokens', payload });
    expect(res.statusCode).toBe(400);
  });

  it('leaves WebSocket messages to their gateway', async () => {
    const guard = app.get(JwtAuthGuard);
    const wsContext = { getType: () => 'ws' } as never;
    await expect(guard.canActivate(wsContext)).resolves.toBe(true);
  });
});

describe('auth with an identity provider (AUTH_MODE=jwks, production)', () => {
  let server: Server;
  let app: NestFastifyApplication;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let jwksUrl: string;
  const settings = (): AuthSettings => ({ ...devAuthSettings({ mode: 'jwks', nodeEnv: 'production', jwksUrl }), secret: undefined });

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    app = await appWith(settings());
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const rs256 = (kid = 'k1') =>
    new SignJWT({ roles: ['clinician'], clinicId: 'clinic-9' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('doc-1')
      .setIssuer('vgp-dev')
      .setAudience('vgp-api')
      .setExpirationTime('5m')
      .sign(privateKey);

  it('accepts an RS256 token signed by a key of the published key set', async () => {
    await expect(app.get(TokenVerifier).verify(await rs256())).resolves.toEqual({
      id: 'doc-1',
      roles: ['clinician'],
      clinicId: 'clinic-9',
    });
  });

  it('rejects an HS256 token even if its secret is the public key (algorithm confusion)', async () => {
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { n: string }[] };
    const forged = await new SignJWT({ roles: ['clinician'], clinicId: 'clinic-9' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('doc-1')
      .setIssuer('vgp-dev')
      .setAudience('vgp-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(jwks.keys[0].n));
    await expect(app.get(TokenVerifier).verify(forged)).rejects.toBeInstanceOf(InvalidToken);
  });

  it('has no dev token endpoint in production', async () => {
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/v1/dev/tokens',
        payload: { sub: 'p1', roles: ['patient'], clinicId: 'c1' },
      });
    expect(res.statusCode).toBe(404);
  });

  it('refuses dev mode in production outright', () => {
    expect(() => AuthModule.forRoot(devAuthSettings({ nodeEnv: 'production' }))).toThrow(/AUTH_MODE=dev/);
  });
});
