import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPlatform, startEmbeddedPlatform } from './embedded-platform.js';

type Schema = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema: Schema };
type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  components: { schemas: Record<string, Schema> };
};

const USER_ID = '^[A-Za-z0-9._:@-]{1,128}$';

/**
 * What frontend developers generate clients from: the request schemas at /docs-json, written out here so that a
 * changed DTO (or a nestjs-zod or swagger upgrade that renders it differently) fails a test instead of a client.
 */
describe('the OpenAPI document of the platform', () => {
  let platform: RunningPlatform;
  let dataDir: string;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vgp-openapi-'));
    Object.assign(process.env, { PORT: '0', LOG_LEVEL: 'silent' });
    platform = await startEmbeddedPlatform({ dataDir, seed: false });
    const res = await fetch(`${platform.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApiDocument;
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const schema = (name: string) => doc.components.schemas[name];
  const queryOf = (path: string) =>
    Object.fromEntries((doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map(({ name, ...rest }) => [name, rest]));

  it('is OpenAPI 3.0 and documents every public path', () => {
    expect(doc.openapi).toBe('3.0.0');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'POST /v1/dev/tokens',
        'POST /v1/consultations',
        'GET /v1/consultations',
        'GET /v1/consultations/{id}',
        'POST /v1/consultations/{id}/cancel',
        'POST /v1/consultations/{id}/reschedule',
        'POST /v1/consultations/{id}/complete',
        'POST /v1/consultations/{id}/calls',
        'GET /v1/calls/{callId}',
        'POST /v1/calls/{callId}/recordings',
        'GET /v1/replays',
        'POST /v1/recordings/{id}/replay-grants',
        'GET /v1/replay-streams/{token}',
        'POST /v1/recordings/{id}/shares',
        'DELETE /v1/recordings/{id}/shares/{shareId}',
        'GET /v1/me/access-log',
        'GET /v1/audit/events',
        'POST /v1/audit/incidents/reconstruct',
        'GET /v1/audit/verify',
        'POST /v1/audit/checkpoints',
        'GET /v1/audit/fhir/AuditEvent',
      ].sort(),
    );
  });

  it('describes a booking exactly: types, formats, bounds, examples, required fields, and no others', () => {
    expect(schema('BookConsultationRequestDto')).toEqual({
      type: 'object',
      properties: {
        patientId: { type: 'string', pattern: USER_ID, example: 'patient-amira' },
        clinicianId: { type: 'string', pattern: USER_ID, example: 'dr-okafor' },
        startsAt: {
          type: 'string',
          format: 'date-time',
          example: '2026-03-01T09:00:00+01:00',
          description: 'ISO 8601 with offset; must be in the future',
        },
        durationMinutes: { type: 'integer', minimum: 5, maximum: 240, example: 20 },
        mode: { type: 'string', enum: ['audio', 'video'], example: 'video' },
      },
      required: ['patientId', 'clinicianId', 'startsAt', 'durationMinutes', 'mode'],
      additionalProperties: false,
    });
  });

  it('describes rescheduling, cancelling, sharing, incident reconstruction and dev tokens', () => {
    expect(schema('RescheduleConsultationRequestDto')).toEqual({
      type: 'object',
      properties: {
        startsAt: {
          type: 'string',
          format: 'date-time',
          example: '2026-03-02T09:00:00Z',
          description: 'ISO 8601 with offset; must be in the future',
        },
        durationMinutes: { type: 'integer', minimum: 5, maximum: 240, example: 30 },
      },
      required: ['startsAt', 'durationMinutes'],
      additionalProperties: false,
    });
    expect(schema('CancelConsultationRequestDto')).toEqual({
      type: 'object',
      properties: {
        reason: {
          type: 'string',
          enum: ['patient_request', 'clinician_request', 'clinic_request', 'no_show', 'other'],
          example: 'patient_request',
          description: 'A reason code; free text is not accepted (it could hold personal data).',
        },
      },
      required: ['reason'],
      additionalProperties: false,
    });
    expect(schema('CreateShareRequestDto')).toEqual({
      type: 'object',
      properties: {
        granteeId: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '\\S',
          description: 'The user id (token `sub`) of the person who may replay the recording.',
          example: 'carer-cleo',
        },
        purpose: { type: 'string', enum: ['second_opinion', 'carer', 'legal', 'research', 'other'] },
        until: { type: 'string', format: 'date-time', description: 'When the share ends: in the future, at most one year from now.' },
      },
      required: ['granteeId', 'purpose', 'until'],
      additionalProperties: false,
    });
    expect(schema('ReconstructIncidentRequestDto')).toMatchObject({
      properties: {
        from: { type: 'string', format: 'date-time', example: '2026-03-01T08:00:00Z' },
        to: { type: 'string', format: 'date-time', example: '2026-03-01T10:00:00Z' },
        softwareVersion: { type: 'string', example: '2.4.0' },
      },
      required: ['from', 'to'],
      additionalProperties: false,
    });
    expect(schema('IssueDevTokenRequestDto')).toMatchObject({
      properties: {
        roles: { type: 'array', items: { type: 'string', enum: ['patient', 'clinician', 'clinic_admin', 'compliance_officer'] } },
        ttlSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 3600 },
      },
      required: ['sub', 'roles', 'clinicId'],
      additionalProperties: false,
    });
  });

  it('describes the query parameters of the searches, all optional', () => {
    expect(queryOf('/v1/consultations')).toEqual({
      patientId: {
        in: 'query',
        required: false,
        description: 'Only this patient’s consultations (among those you may see)',
        schema: { type: 'string', pattern: USER_ID },
      },
      clinicianId: {
        in: 'query',
        required: false,
        description: 'Only this clinician’s consultations (among those you may see)',
        schema: { type: 'string', pattern: USER_ID },
      },
      from: {
        in: 'query',
        required: false,
        description: 'Starting at or after this instant (ISO 8601 with offset)',
        schema: { type: 'string', format: 'date-time' },
      },
      to: {
        in: 'query',
        required: false,
        description: 'Starting before this instant (ISO 8601 with offset)',
        schema: { type: 'string', format: 'date-time' },
      },
    });
    const audit = queryOf('/v1/audit/events');
    expect(Object.keys(audit)).toEqual(['patientId', 'actorId', 'recordingId', 'consultationId', 'action', 'from', 'to', 'limit', 'after']);
    expect(Object.values(audit).every((p) => p.required === false)).toBe(true);
    expect(audit.limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 500, default: 100 });
    const fhir = queryOf('/v1/audit/fhir/AuditEvent');
    expect(Object.keys(fhir)).toEqual(['patient', 'agent', 'entity', 'date', '_count', '_offset']);
    expect(fhir.date.schema).toMatchObject({ type: 'array', maxItems: 4, items: { type: 'string' } });
    expect(fhir._count.schema).toEqual({ type: 'integer', minimum: 1, maximum: 500, default: 100 });
    expect(doc.paths['/v1/calls/{callId}/recordings'].post.parameters).toContainEqual(
      expect.objectContaining({
        name: 'segmentId',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ type: 'string', format: 'uuid' }),
      }),
    );
  });

  it('says which operations need no token (security: []) and that every other one needs a bearer token', () => {
    const security = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([m, op]) => [`${m.toUpperCase()} ${path}`, (op as { security?: unknown }).security]),
      ),
    );
    const open = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'POST /v1/dev/tokens', 'GET /v1/replay-streams/{token}'];
    for (const [operation, requirement] of Object.entries(security)) {
      expect({ operation, requirement }).toEqual({ operation, requirement: open.includes(operation) ? [] : [{ bearer: [] }] });
    }
  });

  it('answers a method the path does not take with a 405 problem naming the methods it does (Allow)', async () => {
    const res = await fetch(`${platform.url}/v1/consultations`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    // A path no route has stays a 404.
    expect((await fetch(`${platform.url}/v1/no-such-thing`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers an over-long path parameter with a 414 problem that does not echo the URL', async () => {
    const longId = 'x'.repeat(400);
    const res = await fetch(`${platform.url}/v1/consultations/${longId}`);
    expect(res.status).toBe(414);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 414, title: 'URI Too Long' });
    expect(text).not.toContain(longId);
  });
});
