import { Module } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, listen } from './http-app.js';
import { PlatformModule } from './platform.module.js';

describe('a service started the way apps start it', () => {
  let app: NestFastifyApplication;
  let url: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'test' });
    @Module({ imports: [PlatformModule.forRoot({ serviceName: 'probe' })] })
    class RootModule {}
    app = await createHttpApp(RootModule, { serviceName: 'probe' });
    url = await listen(app);
  });

  afterAll(async () => {
    await app.close();
    process.env = saved;
  });

  it('listens on HOST and an ephemeral PORT and answers liveness over real HTTP', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/health/live`, { headers: { 'x-correlation-id': 'probe-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('probe-1');
  });

  it('answers malformed JSON over real HTTP with a problem', async () => {
    const res = await fetch(`${url}/v1/dev/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('serves the OpenAPI UI and document', async () => {
    expect((await fetch(`${url}/docs-json`)).status).toBe(200);
    expect((await fetch(`${url}/docs`)).status).toBe(200);
  });
});
