import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Public, TokenIssuer } from '@vgp/auth';
import type { InjectOptions } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { createTestingHttpApp } from './http-app.js';
import { PlatformModule } from './platform.module.js';
import { currentCorrelationId } from './request-context.js';
import { CORRELATION_ID_ATTRIBUTE, platformTracer } from './tracing.js';
import { recordSpans } from './tracing.testing.js';

class NoteDto extends createZodDto(z.strictObject({ text: z.string() })) {}

/** Does its work in a span of its own, as a handler calling a store or the bus would. */
const inChildSpan = <T>(work: () => T): T =>
  platformTracer().startActiveSpan('handler work', (span) => {
    try {
      return work();
    } finally {
      span.end();
    }
  });

@Controller('v1/consultations')
class ConsultationsProbeController {
  @Public()
  @Get(':consultationId')
  get(@Param('consultationId') consultationId: string) {
    return inChildSpan(() => ({ consultationId, correlationId: currentCorrelationId() }));
  }

  @Post(':consultationId/notes')
  note(@Param('consultationId') consultationId: string, @Body() body: NoteDto) {
    return inChildSpan(() => ({ consultationId, length: body.text.length }));
  }

  @Public()
  @Get(':consultationId/boom')
  boom(): never {
    throw new Error('the database is down');
  }
}

@Controller('v1/replay-streams')
class ReplayStreamsProbeController {
  @Public()
  @Get(':token')
  stream(@Param('token') _token: string) {
    return { ok: true };
  }
}

@Module({ controllers: [ConsultationsProbeController, ReplayStreamsProbeController] })
class ProbeModule {}

describe('traces of HTTP requests', () => {
  const recorded = recordSpans('probe');
  let app: NestFastifyApplication;
  let bearer: string;
  const inject = (opts: InjectOptions) => app.getHttpAdapter().getInstance().inject(opts);
  const serverSpans = () => recorded.spans().filter((s) => s.kind === SpanKind.SERVER);
  const only = (spans: ReadableSpan[]) => {
    expect(spans).toHaveLength(1);
    return spans[0];
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot({ serviceName: 'probe', env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' } }), ProbeModule],
    }).compile();
    app = createTestingHttpApp(moduleRef);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    bearer = await app.get(TokenIssuer).issue({ sub: 'clinician-1', roles: ['clinician'], clinicId: 'clinic-1' });
  });

  beforeEach(() => recorded.reset());

  afterAll(async () => {
    await app.close();
    await recorded.stop();
  });

  it('records one server span per request, named by route template, with status and the echoed correlation id', async () => {
    const res = await inject({ method: 'GET', url: '/v1/consultations/c-42', headers: { 'x-correlation-id': 'corr-trace-1' } });

    expect(res.statusCode).toBe(200);
    expect(res.headers['x-correlation-id']).toBe('corr-trace-1');
    const span = only(serverSpans());
    expect(span.name).toBe('GET /v1/consultations/:consultationId');
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/v1/consultations/:consultationId',
      'http.response.status_code': 200,
      [CORRELATION_ID_ATTRIBUTE]: 'corr-trace-1',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.resource.attributes).toMatchObject({ 'service.name': 'probe', 'service.version': expect.any(String) });
  });

  it('nests the handler spans under the server span, also after a JSON body was parsed', async () => {
    for (const req of [
      { method: 'GET' as const, url: '/v1/consultations/c-1' },
      {
        method: 'POST' as const,
        url: '/v1/consultations/c-1/notes',
        headers: { authorization: `Bearer ${bearer}` },
        payload: { text: 'hello' },
      },
    ]) {
      recorded.reset();
      const res = await inject(req);
      expect(res.statusCode).toBeLessThan(300);
      const server = only(serverSpans());
      const child = only(recorded.spans().filter((s) => s.name === 'handler work'));
      expect(child.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    }
  });

  it('marks a 500 as an error of the span, without the exception message', async () => {
    const res = await inject({ method: 'GET', url: '/v1/consultations/c-1/boom' });

    expect(res.statusCode).toBe(500);
    const span = only(serverSpans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status })).not.toContain('database is down');
  });

  it('leaves a 4xx unmarked: it is the caller’s error, not ours', async () => {
    const res = await inject({ method: 'POST', url: '/v1/consultations/c-1/notes', payload: { text: 'hi' } });

    expect(res.statusCode).toBe(401);
    expect(only(serverSpans()).status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names an unmatched URL by its method only, so scanners cannot blow up span names', async () => {
    await inject({ method: 'GET', url: '/wp-admin/setup.php?x=1' });

    const span = only(serverSpans());
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.attributes['http.response.status_code']).toBe(404);
  });

  it('never records a bearer token, a replay-stream token, a query string or the user agent', async () => {
    const streamToken = 'rst_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    await inject({
      method: 'POST',
      url: '/v1/consultations/c-1/notes?patient=amira',
      headers: { authorization: `Bearer ${bearer}`, 'user-agent': 'Amira-iPhone/17' },
      payload: { text: 'x' },
    });
    await inject({
      method: 'GET',
      url: `/v1/replay-streams/${streamToken}?sig=${streamToken}`,
      headers: { authorization: `Bearer ${bearer}` },
    });

    const spans = recorded.spans();
    expect(spans.map((s) => s.name)).toContain('GET /v1/replay-streams/:token');
    const recordedText = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, resource: s.resource.attributes })),
    );
    for (const secret of [bearer, bearer.split('.')[2], streamToken, 'amira', 'Amira-iPhone']) expect(recordedText).not.toContain(secret);
  });
});
