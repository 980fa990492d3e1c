import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { consultationIdOf, type IntegrationEvent, type Role, topicOf } from '@vgp/contracts';
import { SqliteEventStore } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { anIntegrationEvent, ContextTestApp, type EnvelopeOverrides, eventually } from '@vgp/testing';
import { AuditModule } from '../audit.module.js';
import { AUDIT_STREAM } from '../domain/audit-chain.js';
import { CHECKPOINT_STREAM } from '../domain/audit-checkpoint.js';

const CLINIC = 'clinic-1';
// A fixed 32-byte seed, so a restarted service holds the same key and still trusts its checkpoints.
const SIGNING_SEED = Buffer.alloc(32, 42).toString('base64');
const AUDIT_ENV = { AUDIT_SIGNING_KEY: SIGNING_SEED, AUDIT_CHECKPOINT_EVERY: '5' };

/** The audit service on a real SQLite file, with its own variables in the boot environment. */
async function startAudit(path: string, bus: InProcessMessageBus) {
  const app = await ContextTestApp.start({
    serviceName: 'audit',
    context: (adapters) => AuditModule.forRoot(adapters),
    env: AUDIT_ENV,
    eventStore: () => new SqliteEventStore({ path, pollIntervalMs: 20 }),
    bus,
  });
  const call = async (method: 'GET' | 'POST', url: string, sub: string, role: Role, clinicId: string, body?: unknown) =>
    app.request(method, url, { as: await app.token(sub, role, clinicId), body });
  return {
    store: app.eventStore,
    call,
    get: (url: string, clinicId = CLINIC) => call('GET', url, 'officer-cora', 'compliance_officer', clinicId),
    post: (url: string, body: unknown, clinicId = CLINIC) => call('POST', url, 'officer-cora', 'compliance_officer', clinicId, body),
    close: () => app.close(),
  };
}

let clock = Date.parse('2026-03-01T08:00:00.000Z');
let release = { softwareVersion: '2.3.9', featureFlags: [] as string[] };
/** The envelope of the next event: one minute after the previous one, under the current release. */
const next = (actor: IntegrationEvent['actor'], streamId: string): EnvelopeOverrides => ({
  actor,
  streamId,
  occurredAt: new Date((clock += 60_000)).toISOString(),
  correlationId: `corr-${randomUUID()}`,
  ...release,
});

type Ref = { recordingId: string; consultationId: string; patientId: string };
const refOf = (patientId: string): Ref => ({ patientId, consultationId: randomUUID(), recordingId: randomUUID() });
const patient = (id: string) => ({ id, role: 'patient' }) as const;
const booked = (r: Ref, clinicId = CLINIC) =>
  anIntegrationEvent(
    'ConsultationBooked',
    {
      consultationId: r.consultationId,
      clinicId,
      patientId: r.patientId,
      clinicianId: 'dr-okafor',
      startsAt: '2026-02-27T09:00:00.000Z',
      durationMinutes: 20,
      mode: 'video',
    },
    next({ id: 'admin-ada', role: 'clinic_admin' }, `consultation-${r.consultationId}`),
  );
const stored = (r: Ref, o: { clinicId?: string; bytes?: number } = {}) =>
  anIntegrationEvent(
    'RecordingStored',
    {
      ...r,
      callId: `call-${r.consultationId}`,
      segmentId: `seg-${r.recordingId}`,
      segmentSeq: 1,
      clinicId: o.clinicId ?? CLINIC,
      clinicianId: 'dr-okafor',
      mode: 'video',
      contentType: 'video/webm',
      bytes: o.bytes ?? 4096,
      sha256: 'a'.repeat(64),
      objectKey: `recordings/${r.recordingId}`,
      uploadedBy: 'dr-okafor',
      recordedAt: '2026-02-27T09:05:00.000Z',
    },
    next({ id: 'dr-okafor', role: 'clinician' }, `recording-${r.recordingId}`),
  );
const listed = (viewerId: string, refs: Ref[]) =>
  anIntegrationEvent(
    'ReplayListed',
    {
      listId: randomUUID(),
      viewerId,
      recordingIds: refs.map((r) => r.recordingId),
      patientIds: [...new Set(refs.map((r) => r.patientId))],
      consultationIds: [...new Set(refs.map((r) => r.consultationId))],
    },
    next(patient(viewerId), `replaylist-${viewerId}`),
  );
const granted = (viewerId: string, r: Ref) =>
  anIntegrationEvent(
    'ReplayGranted',
    {
      grantId: randomUUID(),
      viewerId,
      ...r,
      basis: 'participant',
      shareId: null,
      tokenSha256: 'b'.repeat(64),
      expiresAt: '2026-03-01T12:00:00.000Z',
      clinicId: CLINIC,
      viewerRoles: ['patient'],
    },
    next(patient(viewerId), `replayaccess-${viewerId}`),
  );
const streamed = (
  viewerId: string,
  r: Ref,
  rangeStart: number,
  rangeEnd: number,
  totalBytes = 4096,
  role: 'patient' | 'clinician' = 'patient',
) =>
  anIntegrationEvent(
    'ReplayStreamed',
    { grantId: randomUUID(), viewerId, ...r, rangeStart, rangeEnd, totalBytes },
    next({ id: viewerId, role }, `replayaccess-${viewerId}`),
  );

describe('investigating an incident over HTTP', () => {
  let dir: string;
  let bus: InProcessMessageBus;
  let audit: Awaited<ReturnType<typeof startAudit>>;
  const publish = async (...events: IntegrationEvent[]) => {
    for (const e of events) await bus.publish(topicOf(e.type), [{ key: consultationIdOf(e), event: e }]);
  };

  const [amira, ben, carl, dina, eve] = ['patient-amira', 'patient-ben', 'patient-carl', 'patient-dina', 'patient-eve'].map(refOf);
  // The media switch opened a second segment of Amira's call and closed it before any media arrived.
  const amiraEmpty = { ...amira, recordingId: randomUUID() };
  const zoe = refOf('patient-zoe');
  const history: IntegrationEvent[] = [];
  const window = { from: '2026-03-01T09:30:00.000Z', to: '2026-03-01T12:00:00.000Z' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-audit-investigation-'));
    bus = new InProcessMessageBus();
    audit = await startAudit(join(dir, 'audit.sqlite'), bus);
    for (const r of [amira, ben, carl, dina, eve]) history.push(booked(r), stored(r));
    history.push(stored(amiraEmpty, { bytes: 0 }), booked(zoe, 'clinic-2'), stored(zoe, { clinicId: 'clinic-2' }));
    history.push(listed(ben.patientId, [ben]), streamed(ben.patientId, ben, 0, 4095));
    clock = Date.parse('2026-03-01T10:00:00.000Z');
    release = { softwareVersion: '2.4.0', featureFlags: ['media-switch'] };
    history.push(
      // Ben is shown Amira's, Carl's and (across clinics) Zoe's recordings, and plays the beginning of Amira's.
      listed(ben.patientId, [ben, amira, carl, zoe]),
      granted(ben.patientId, amira),
      streamed(ben.patientId, amira, 0, 1023),
      streamed(ben.patientId, amira, 512, 2047),
      // Dina opens Amira's empty segment.
      listed(dina.patientId, [dina, amiraEmpty]),
      granted(dina.patientId, amiraEmpty),
      streamed(dina.patientId, amiraEmpty, 0, 0, 0),
      // Eve is only shown Carl's.
      listed(eve.patientId, [eve, carl]),
      // Legitimate under the same release.
      streamed(ben.patientId, ben, 0, 1023),
      streamed('dr-okafor', amira, 0, 4095, 4096, 'clinician'),
    );
    await publish(...history);
    await eventually(async () => expect((await audit.store.readStream(AUDIT_STREAM)).length).toBe(history.length));
  });

  afterAll(async () => {
    await audit?.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('POST /v1/audit/incidents/reconstruct', () => {
    it('tells apart who was shown a list, who started playback and who opened a recording with no patient content', async () => {
      const answer = await audit.post('/v1/audit/incidents/reconstruct', { ...window, softwareVersion: '2.4.0' });
      expect(answer.status).toBe(200);
      expect(answer.body.summary).toEqual({ shownInList: 1, startedPlayback: 1, openedNoPatientContent: 1, patientsAffected: 2 });
      expect(answer.body.viewers).toEqual([
        { viewerId: 'patient-ben', classification: 'started_playback', patients: 2 },
        { viewerId: 'patient-dina', classification: 'opened_no_patient_content', patients: 1 },
        { viewerId: 'patient-eve', classification: 'shown_in_list', patients: 1 },
      ]);
      expect(answer.body.affectedPatients.map((p: { patientId: string }) => p.patientId).sort()).toEqual(['patient-amira', 'patient-carl']);
      expect(answer.body).toMatchObject({ window, softwareVersion: '2.4.0' });
    });

    it('reports what was played of whose recording, under which release', async () => {
      const answer = await audit.post('/v1/audit/incidents/reconstruct', window);
      const played = answer.body.exposures.find(
        (e: { viewerId: string; patientId: string }) => e.viewerId === 'patient-ben' && e.patientId === 'patient-amira',
      );
      expect(played).toMatchObject({
        classification: 'started_playback',
        recordingIds: [amira.recordingId],
        events: { listed: 1, granted: 1, streamed: 2 },
        played: [{ recordingId: amira.recordingId, ranges: [{ start: 0, end: 2047 }], bytesPlayed: 2048, patientContent: true }],
        releases: [{ softwareVersion: '2.4.0', featureFlags: ['media-switch'] }],
      });
      const opened = answer.body.exposures.find((e: { viewerId: string }) => e.viewerId === 'patient-dina');
      expect(opened).toMatchObject({
        patientId: 'patient-amira',
        classification: 'opened_no_patient_content',
        played: [{ patientContent: false, bytesPlayed: 0 }],
      });
      expect(answer.body.exposures.some((e: { viewerId: string }) => e.viewerId === 'dr-okafor')).toBe(false);
    });

    it('shows the other clinic only its own patient, and this clinic nothing of it', async () => {
      const other = await audit.post('/v1/audit/incidents/reconstruct', window, 'clinic-2');
      expect(other.status).toBe(200);
      expect(other.body.exposures.map((e: { viewerId: string; patientId: string }) => [e.viewerId, e.patientId])).toEqual([
        ['patient-ben', 'patient-zoe'],
      ]);
      expect(JSON.stringify(other.body)).not.toContain('patient-amira');
      const mine = await audit.post('/v1/audit/incidents/reconstruct', window);
      expect(JSON.stringify(mine.body)).not.toContain('patient-zoe');
    });

    it.each([
      ['`from` after `to`', { from: window.to, to: window.from }],
      ['an empty window', { from: window.from, to: window.from }],
      ['a window over 90 days', { from: '2026-01-01T00:00:00Z', to: '2026-04-02T00:00:00Z' }],
      ['a date without offset', { from: '2026-03-01T09:00:00', to: window.to }],
      ['a missing `to`', { from: window.from }],
      ['a malformed softwareVersion', { ...window, softwareVersion: '2.4.0; drop' }],
      ['an unknown field', { ...window, patientId: 'patient-amira' }],
    ])('refuses %s with 400 problem+json', async (_name, body) => {
      const answer = await audit.post('/v1/audit/incidents/reconstruct', body);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  describe('GET /v1/audit/fhir/AuditEvent', () => {
    it('answers a FHIR searchset Bundle of BALP-shaped AuditEvents as application/fhir+json', async () => {
      const answer = await audit.get(
        `/v1/audit/fhir/AuditEvent?patient=Patient/patient-amira&date=ge2026-03-01T09:30:00Z&date=le2026-03-01`,
      );
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(answer.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 8 });
      const events = answer.body.entry.map((e: { resource: Record<string, any> }) => e.resource); // eslint-disable-line @typescript-eslint/no-explicit-any -- FHIR JSON
      expect(
        events.map((e: { extension: { extension: { valueString?: string }[] }[] }) => e.extension[0].extension[3].valueString),
      ).toEqual([
        'ReplayListed',
        'ReplayGranted',
        'ReplayStreamed',
        'ReplayStreamed',
        'ReplayListed',
        'ReplayGranted',
        'ReplayStreamed',
        'ReplayStreamed',
      ]);
      const stream = events[2];
      expect(stream).toMatchObject({
        resourceType: 'AuditEvent',
        type: { code: '110106', display: 'Export' },
        action: 'R',
        outcome: '0',
        agent: [{ who: { identifier: { value: 'patient-ben' } }, requestor: true }],
        source: { observer: { display: 'replay-access 2.4.0' } },
      });
      expect(stream.entity.map((e: { what: { type: string } }) => e.what.type)).toEqual(['Patient', 'DocumentReference']);
      const chained = (await audit.store.readStream(AUDIT_STREAM)).map((e) => e.data as { sourceEventId: string; hash: string });
      expect(stream.extension[0].extension[1].valueString).toBe(chained.find((e) => e.sourceEventId === stream.id)?.hash);
      expect(JSON.stringify(answer.body)).not.toContain('patient-zoe');
    });

    it('pages with _count and a next link, and filters by agent and entity', async () => {
      const first = await audit.get(`/v1/audit/fhir/AuditEvent?agent=patient-ben&_count=2`);
      expect(first.body.entry).toHaveLength(2);
      const next = first.body.link.find((l: { relation: string }) => l.relation === 'next');
      expect(next.url).toContain('_offset=2');
      const second = await audit.get(next.url);
      expect(second.body.entry[0].resource.id).not.toBe(first.body.entry[0].resource.id);
      const byRecording = await audit.get(`/v1/audit/fhir/AuditEvent?entity=DocumentReference/${amiraEmpty.recordingId}`);
      expect(
        byRecording.body.entry.map(
          (e: { resource: { agent: { who: { identifier: { value: string } } }[] } }) => e.resource.agent[0].who.identifier.value,
        ),
      ).toEqual(['patient-dina', 'patient-dina', 'patient-dina']);
    });

    it('shows the other clinic’s officer none of this clinic’s patients', async () => {
      const other = await audit.get('/v1/audit/fhir/AuditEvent', 'clinic-2');
      expect(other.status).toBe(200);
      const text = JSON.stringify(other.body);
      expect(text).toContain('patient-zoe');
      expect(text).not.toContain('patient-amira');
      expect(text).not.toContain(amira.recordingId);
    });

    it.each([['date=yesterday'], ['date=ge2026-02-30'], ['_count=0'], ['_count=501'], ['patient=Jane%20Doe'], ['_format=json']])(
      'refuses a malformed search (%s) with 400',
      async (query) => {
        const answer = await audit.get(`/v1/audit/fhir/AuditEvent?${query}`);
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      },
    );
  });

  it.each([['patient'], ['clinician'], ['clinic_admin']] as const)('refuses a %s on the investigation endpoints with 403', async (role) => {
    const answers = await Promise.all([
      audit.call('POST', '/v1/audit/incidents/reconstruct', 'someone', role, CLINIC, window),
      audit.call('GET', '/v1/audit/fhir/AuditEvent', 'someone', role, CLINIC),
      audit.call('POST', '/v1/audit/checkpoints', 'someone', role, CLINIC),
      audit.call('GET', '/v1/audit/verify', 'someone', role, CLINIC),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
  });

  describe('signed checkpoints', () => {
    it('are signed every 5 entries and on demand, and verified with the chain', async () => {
      const entries = (await audit.store.readStream(AUDIT_STREAM)).length;
      const onDemand = await audit.post('/v1/audit/checkpoints', undefined);
      expect(onDemand.status).toBe(201);
      expect(onDemand.body).toMatchObject({ seq: entries, algorithm: 'Ed25519', keyId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const verify = await audit.get('/v1/audit/verify');
      expect(verify.body).toMatchObject({
        ok: true,
        entries,
        checkpoints: { verified: Math.floor(entries / 5) + 1, untrusted: 0, latestSeq: entries },
      });
    });

    it('detect a tail deleted from a copy of the database file, as a tamperer would, up to the last checkpoint', async () => {
      const checkpoints = (await audit.store.readStream(CHECKPOINT_STREAM)).map((e) => (e.data as { seq: number }).seq);
      const keep = Math.max(...checkpoints) - 3;
      await audit.close();
      const tampered = join(dir, 'tampered.sqlite');
      copyFileSync(join(dir, 'audit.sqlite'), tampered);
      if (existsSync(join(dir, 'audit.sqlite-wal'))) copyFileSync(join(dir, 'audit.sqlite-wal'), `${tampered}-wal`);
      const db = new DatabaseSync(tampered);
      try {
        db.exec('DROP TRIGGER events_are_never_deleted');
        // Remove the last entries and their inbox copies, so nothing re-chains them.
        const doomed = db
          .prepare(`SELECT json_extract(data, '$.sourceEventId') AS source FROM events WHERE stream_id = ? AND revision >= ?`)
          .all(AUDIT_STREAM, keep) as { source: string }[];
        db.prepare('DELETE FROM events WHERE stream_id = ? AND revision >= ?').run(AUDIT_STREAM, keep);
        for (const { source } of doomed) db.prepare('DELETE FROM events WHERE id = ?').run(source);
      } finally {
        db.close();
      }
      const isolated = new InProcessMessageBus();
      const copy = await startAudit(tampered, isolated);
      try {
        const verify = await copy.get('/v1/audit/verify');
        expect(verify.body).toMatchObject({ ok: false, entries: keep, problem: 'truncated', firstBrokenSeq: keep + 1 });
        expect(verify.body.checkpoints.failedSeq).toBeGreaterThan(keep);
      } finally {
        await copy.close();
        await isolated.close();
      }
      // The original file is untouched and still whole.
      audit = await startAudit(join(dir, 'audit.sqlite'), bus);
      expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
    });
  });
});
