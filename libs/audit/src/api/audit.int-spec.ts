import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { consultationIdOf, type IntegrationEvent, type Role, topicOf } from '@vgp/contracts';
import { SqliteEventStore } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { anIntegrationEvent, ContextTestApp, type EnvelopeOverrides, eventually } from '@vgp/testing';
import { AUDIT_STREAM } from '../domain/audit-chain.js';
import { AuditModule } from '../audit.module.js';

const CLINIC = 'clinic-1';
const RELEASE = '2.7.0-media-switch';

/** The audit on the real HTTP edge, over the SQLite file at `path` (so a restart finds its history). */
async function startAudit(path: string, bus: InProcessMessageBus) {
  const app = await ContextTestApp.start({
    serviceName: 'audit',
    context: (adapters) => AuditModule.forRoot(adapters),
    eventStore: () => new SqliteEventStore({ path, pollIntervalMs: 20 }),
    bus,
  });
  const get = async (url: string, sub: string, role: Role, clinicId = CLINIC) =>
    app.request('GET', url, { as: await app.token(sub, role, clinicId) });
  return {
    store: app.eventStore,
    get,
    officer: (url: string, clinicId = CLINIC) => get(url, 'officer-cora', 'compliance_officer', clinicId),
    close: () => app.close(),
  };
}

let clock = Date.parse('2026-03-01T09:00:00.000Z');
/** The envelope of the next event: one minute after the previous one, under the release. */
const next = (actor: IntegrationEvent['actor'], streamId: string): EnvelopeOverrides => ({
  actor,
  streamId,
  occurredAt: new Date((clock += 60_000)).toISOString(),
  softwareVersion: RELEASE,
  featureFlags: ['media-switch'],
});

const admin = { id: 'admin-ada', role: 'clinic_admin' } as const;
const drOkafor = { id: 'dr-okafor', role: 'clinician' } as const;
const asPatient = (id: string) => ({ id, role: 'patient' }) as const;

const booked = (consultationId: string, patientId: string, clinicId = CLINIC) =>
  anIntegrationEvent(
    'ConsultationBooked',
    {
      consultationId,
      clinicId,
      patientId,
      clinicianId: 'dr-okafor',
      startsAt: '2026-03-02T09:00:00.000Z',
      durationMinutes: 20,
      mode: 'video',
    },
    next(admin, `consultation-${consultationId}`),
  );
const stored = (recordingId: string, consultationId: string, patientId: string, clinicId = CLINIC) =>
  anIntegrationEvent(
    'RecordingStored',
    {
      recordingId,
      consultationId,
      callId: `call-${consultationId}`,
      segmentId: `seg-${recordingId}`,
      segmentSeq: 1,
      clinicId,
      patientId,
      clinicianId: 'dr-okafor',
      mode: 'audio',
      contentType: 'audio/webm',
      bytes: 4096,
      sha256: 'a'.repeat(64),
      objectKey: `recordings/${recordingId}`,
      uploadedBy: 'dr-okafor',
      recordedAt: '2026-03-02T09:05:00.000Z',
    },
    next(drOkafor, `recording-${recordingId}`),
  );
const listed = (viewerId: string, recordings: { recordingId: string; consultationId: string; patientId: string }[]) =>
  anIntegrationEvent(
    'ReplayListed',
    {
      listId: randomUUID(),
      viewerId,
      recordingIds: recordings.map((r) => r.recordingId),
      patientIds: [...new Set(recordings.map((r) => r.patientId))],
      consultationIds: [...new Set(recordings.map((r) => r.consultationId))],
    },
    next(asPatient(viewerId), `replaylist-${viewerId}`),
  );
const streamed = (
  viewerId: string,
  r: { recordingId: string; consultationId: string; patientId: string },
  rangeStart: number,
  rangeEnd: number,
) =>
  anIntegrationEvent(
    'ReplayStreamed',
    { grantId: randomUUID(), viewerId, ...r, rangeStart, rangeEnd, totalBytes: 4096 },
    next(asPatient(viewerId), `grant-${viewerId}`),
  );
const denied = (viewerId: string, recordingId: string, patientId: string | null) =>
  anIntegrationEvent(
    'ReplayDenied',
    { viewerId, recordingId, patientId, reason: 'not_a_participant', operation: 'grant' },
    next(asPatient(viewerId), `denials-${viewerId}`),
  );

describe('the audit history over HTTP', () => {
  let dir: string;
  let bus: InProcessMessageBus;
  let audit: Awaited<ReturnType<typeof startAudit>>;

  const publish = (...events: IntegrationEvent[]) =>
    Promise.all(events.map((e) => bus.publish(topicOf(e.type), [{ key: consultationIdOf(e), event: e }])));
  const allEntries = async (query = '') => {
    const answer = await audit.officer(`/v1/audit/events?limit=500${query}`);
    expect(answer.status).toBe(200);
    return answer.body.items as Array<{
      seq: number;
      eventId: string;
      action: string;
      actor: { id: string; role: string };
      softwareVersion: string;
      patientIds: string[];
      recordingIds: string[];
      data: unknown;
      hash: string;
      prevHash: string;
    }>;
  };
  const waitForEntries = (predicate: (ids: string[]) => boolean, query = '') =>
    eventually(async () => {
      const items = await allEntries(query);
      expect(predicate(items.map((i) => i.eventId))).toBe(true);
      return items;
    });

  // Two patients of clinic-1, one of clinic-2, with a recording each.
  const amira = { patientId: 'patient-amira', consultationId: randomUUID(), recordingId: randomUUID() };
  const ben = { patientId: 'patient-ben', consultationId: randomUUID(), recordingId: randomUUID() };
  const zoe = { patientId: 'patient-zoe', consultationId: randomUUID(), recordingId: randomUUID() };
  const history = [
    booked(amira.consultationId, amira.patientId),
    booked(ben.consultationId, ben.patientId),
    booked(zoe.consultationId, zoe.patientId, 'clinic-2'),
    stored(amira.recordingId, amira.consultationId, amira.patientId),
    stored(ben.recordingId, ben.consultationId, ben.patientId),
    stored(zoe.recordingId, zoe.consultationId, zoe.patientId, 'clinic-2'),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-audit-'));
    bus = new InProcessMessageBus();
    audit = await startAudit(join(dir, 'audit.sqlite'), bus);
    for (const event of history) await publish(event);
    await waitForEntries((ids) => history.filter((e) => e.id !== history[2].id && e.id !== history[5].id).every((e) => ids.includes(e.id)));
  });

  afterAll(async () => {
    await audit?.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what happened in the order it arrived, with who did it and under which release', async () => {
    // The incident's shape: one patient is shown another patient's recording in a list, and plays it.
    const leak = listed('patient-ben', [amira, ben]);
    const play = streamed('patient-ben', amira, 0, 1023);
    await publish(leak);
    await publish(play);
    const items = await waitForEntries((ids) => ids.includes(play.id));
    const tail = items.slice(-2);
    expect(tail.map((i) => i.action)).toEqual(['ReplayListed', 'ReplayStreamed']);
    expect(tail[1]).toMatchObject({
      actor: { id: 'patient-ben', role: 'patient' },
      softwareVersion: RELEASE,
      featureFlags: ['media-switch'],
      patientIds: ['patient-amira'],
      recordingIds: [amira.recordingId],
      data: { rangeStart: 0, rangeEnd: 1023 },
    });
    expect(tail[0].patientIds).toEqual(['patient-amira', 'patient-ben']);
    const seqs = items.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(tail[1].prevHash).toBe(tail[0].hash);
  });

  it('finds every entry that touched a patient, a recording or an actor', async () => {
    const byPatient = await allEntries(`&patientId=patient-amira`);
    expect(byPatient.map((i) => i.action)).toEqual(
      expect.arrayContaining(['ConsultationBooked', 'RecordingStored', 'ReplayListed', 'ReplayStreamed']),
    );
    expect(byPatient.every((i) => i.patientIds.includes('patient-amira'))).toBe(true);
    const byRecording = await allEntries(`&recordingId=${amira.recordingId}&action=ReplayStreamed`);
    expect(byRecording).toHaveLength(1);
    const byActor = await allEntries(`&actorId=patient-ben`);
    expect(byActor.map((i) => i.action)).toEqual(['ReplayListed', 'ReplayStreamed']);
  });

  it('records a redelivered event once', async () => {
    const once = denied('patient-ben', amira.recordingId, amira.patientId);
    await publish(once);
    await publish(once);
    await publish({ ...once });
    const items = await waitForEntries((ids) => ids.includes(once.id));
    expect(items.filter((i) => i.eventId === once.id)).toHaveLength(1);
  });

  it('pages through the history with a cursor, in chain order', async () => {
    const all = await allEntries();
    const first = await audit.officer('/v1/audit/events?limit=2');
    expect(first.body.items.map((i: { seq: number }) => i.seq)).toEqual(all.slice(0, 2).map((i) => i.seq));
    expect(first.body.nextCursor).toBe(all[1].seq);
    const second = await audit.officer(`/v1/audit/events?limit=500&after=${first.body.nextCursor}`);
    expect(second.body.items.map((i: { seq: number }) => i.seq)).toEqual(all.slice(2).map((i) => i.seq));
    expect(second.body.nextCursor).toBeNull();
  });

  it.each([['limit=0'], ['limit=501'], ['limit=ten'], ['after=-1'], ['from=yesterday'], ['patientId=Jane%20Doe'], ['unknown=1']])(
    'refuses a malformed query (%s) with 400',
    async (query) => {
      const answer = await audit.officer(`/v1/audit/events?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );

  it.each([['patient'], ['clinician'], ['clinic_admin']] as const)('refuses a %s on every audit endpoint with 403', async (role) => {
    for (const url of ['/v1/audit/events', '/v1/audit/verify']) {
      const answer = await audit.get(url, 'someone', role);
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('shows a compliance officer of another clinic nothing of this clinic', async () => {
    const other = await audit.officer('/v1/audit/events?limit=500', 'clinic-2');
    expect(other.status).toBe(200);
    const text = JSON.stringify(other.body);
    expect(text).not.toContain('patient-amira');
    expect(text).not.toContain(amira.recordingId);
    expect(other.body.items.map((i: { action: string }) => i.action)).toEqual(['ConsultationBooked', 'RecordingStored']);
    const asked = await audit.officer(`/v1/audit/events?patientId=patient-amira`, 'clinic-2');
    expect(asked.body.items).toEqual([]);
  });

  it('shows the officer a patient’s probe for a recording that does not exist', async () => {
    const probe = denied('patient-ben', randomUUID(), null);
    await publish(probe);
    await waitForEntries((ids) => ids.includes(probe.id));
    const other = await audit.officer('/v1/audit/events?limit=500&action=ReplayDenied', 'clinic-2');
    expect(other.body.items.map((i: { eventId: string }) => i.eventId)).not.toContain(probe.id);
  });

  describe('the clinic of every event (ADR 0022)', () => {
    const ids = async (clinicId: string, query = '') =>
      ((await audit.officer(`/v1/audit/events?limit=500${query}`, clinicId)).body.items as Array<{ eventId: string }>).map(
        (i) => i.eventId,
      );

    it('shows clinic 2’s officer, and not clinic 1’s, a denial under a clinic-2 token by a user id booked only in clinic 1', async () => {
      const probe = anIntegrationEvent(
        'ReplayDenied',
        { viewerId: 'patient-ben', recordingId: randomUUID(), patientId: null, reason: 'not_found', operation: 'grant' },
        next({ id: 'patient-ben', role: 'patient', clinicId: 'clinic-2' }, 'denials-patient-ben-clinic-2'),
      );
      await publish(probe);
      await eventually(async () => expect(await ids('clinic-2', '&action=ReplayDenied')).toContain(probe.id));
      expect(await ids(CLINIC, '&action=ReplayDenied')).not.toContain(probe.id);
      const [entry] = (await audit.officer(`/v1/audit/events?limit=500&actorId=patient-ben&action=ReplayDenied`, 'clinic-2')).body.items;
      expect(entry).toMatchObject({ eventId: probe.id, clinicId: 'clinic-2', actor: { id: 'patient-ben', clinicId: 'clinic-2' } });
    });

    it('shows clinic 2’s officer an empty list by a clinic-2 patient with no bookings at all', async () => {
      const empty = anIntegrationEvent(
        'ReplayListed',
        { listId: randomUUID(), viewerId: 'patient-new', recordingIds: [], patientIds: [], consultationIds: [] },
        next({ id: 'patient-new', role: 'patient', clinicId: 'clinic-2' }, 'replaylist-patient-new'),
      );
      await publish(empty);
      await eventually(async () => expect(await ids('clinic-2', '&action=ReplayListed')).toContain(empty.id));
      expect(await ids(CLINIC, '&action=ReplayListed')).not.toContain(empty.id);
    });

    it('shows both officers a list that showed a clinic-2 actor clinic 1’s recording', async () => {
      const leak = anIntegrationEvent(
        'ReplayListed',
        {
          listId: randomUUID(),
          viewerId: 'patient-quinn',
          recordingIds: [amira.recordingId],
          patientIds: [amira.patientId],
          consultationIds: [amira.consultationId],
        },
        next({ id: 'patient-quinn', role: 'patient', clinicId: 'clinic-2' }, 'replaylist-patient-quinn'),
      );
      await publish(leak);
      await eventually(async () => expect(await ids('clinic-2', '&action=ReplayListed')).toContain(leak.id));
      expect(await ids(CLINIC, '&action=ReplayListed')).toContain(leak.id);
    });
  });

  it('files a replay event that arrived before its booking under the right clinic once the booking arrives', async () => {
    const late = { patientId: 'patient-late', consultationId: randomUUID(), recordingId: randomUUID() };
    const early = denied('patient-ben', late.recordingId, null);
    const grant = anIntegrationEvent(
      'ReplayGranted',
      {
        grantId: randomUUID(),
        viewerId: 'dr-okafor',
        ...late,
        basis: 'participant',
        shareId: null,
        tokenSha256: 'b'.repeat(64),
        expiresAt: '2026-03-02T10:00:00.000Z',
      },
      next(drOkafor, 'grant-x'),
    );
    await publish(grant, early);
    await publish(booked(late.consultationId, late.patientId), stored(late.recordingId, late.consultationId, late.patientId));
    await eventually(async () => {
      const items = await allEntries(`&recordingId=${late.recordingId}`);
      expect(items.map((i) => i.action)).toEqual(expect.arrayContaining(['ReplayGranted', 'ReplayDenied', 'RecordingStored']));
      expect(items.find((i) => i.action === 'ReplayDenied')).toMatchObject({ patientIds: ['patient-late'] });
    });
  });

  describe('a patient’s access log', () => {
    it('shows who was shown or played their recording, and never another patient’s recording ids', async () => {
      const answer = await eventually(async () => {
        const a = await audit.get('/v1/me/access-log', 'patient-amira', 'patient');
        expect(a.status).toBe(200);
        // Personal data: no browser or proxy keeps a copy.
        expect(a.headers['cache-control']).toBe('no-store');
        expect(a.body.items.map((i: { action: string }) => i.action)).toEqual(
          expect.arrayContaining(['ReplayListed', 'ReplayStreamed', 'ReplayDenied']),
        );
        return a;
      });
      const items = answer.body.items as Array<{
        action: string;
        actor: { id: string };
        self: boolean;
        recordingIds: string[];
        bytes: unknown;
        softwareVersion: string;
      }>;
      expect(items.find((i) => i.action === 'ReplayListed')).toMatchObject({
        actor: { id: 'patient-ben', role: 'patient' },
        self: false,
        recordingIds: [amira.recordingId],
        softwareVersion: RELEASE,
      });
      expect(items.find((i) => i.action === 'ReplayStreamed')).toMatchObject({ bytes: { start: 0, end: 1023, total: 4096 } });
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain(ben.recordingId);
      expect(text).not.toContain(ben.consultationId);
      expect(text).not.toContain('patient-zoe');
    });

    it('marks what the patient did themselves', async () => {
      const own = streamed('patient-ben', ben, 0, 99);
      await publish(own);
      const mine = await eventually(async () => {
        const a = await audit.get('/v1/me/access-log', 'patient-ben', 'patient');
        const item = a.body.items.find((i: { action: string; self: boolean }) => i.action === 'ReplayStreamed' && i.self);
        expect(item).toBeDefined();
        return a.body.items as Array<{ recordingIds: string[] }>;
      });
      expect(JSON.stringify(mine)).not.toContain(amira.recordingId);
    });

    it('shows nothing to a patient of the same id in another clinic', async () => {
      const answer = await audit.get('/v1/me/access-log', 'patient-amira', 'patient', 'clinic-2');
      expect(answer.body.items).toEqual([]);
    });

    it('is for patients only', async () => {
      expect((await audit.get('/v1/me/access-log', 'officer-cora', 'compliance_officer')).status).toBe(403);
      expect((await audit.get('/v1/me/access-log', 'dr-okafor', 'clinician')).status).toBe(403);
    });
  });

  describe('integrity', () => {
    it('verifies the untouched history and reports its head', async () => {
      const items = await allEntries();
      const answer = await audit.officer('/v1/audit/verify');
      expect(answer.status).toBe(200);
      const total = (await audit.store.readStream(AUDIT_STREAM)).length;
      expect(answer.body).toMatchObject({ ok: true, entries: total });
      if (items.length === total) expect(answer.body.headHash).toBe(items[items.length - 1].hash);
    });

    it('continues the chain after a restart without chaining anything twice', async () => {
      const before = (await audit.store.readStream(AUDIT_STREAM)).length;
      await audit.close();
      audit = await startAudit(join(dir, 'audit.sqlite'), bus);
      const again = history[0];
      const fresh = denied('patient-ben', amira.recordingId, amira.patientId);
      await publish(again, fresh);
      const items = await waitForEntries((ids) => ids.includes(fresh.id));
      expect(items.filter((i) => i.eventId === again.id)).toHaveLength(1);
      expect(items[items.length - 1].seq).toBe(before + 1);
      expect((await audit.officer('/v1/audit/verify')).body).toMatchObject({ ok: true, entries: before + 1 });
    });

    it('detects and locates an entry edited directly in the database file', async () => {
      const target = (await audit.store.readStream(AUDIT_STREAM))[3];
      const db = new DatabaseSync(join(dir, 'audit.sqlite'));
      try {
        db.exec('DROP TRIGGER events_are_never_updated');
        db.prepare(`UPDATE events SET data = json_set(data, '$.source.actor.id', 'someone-else') WHERE id = ?`).run(target.id);
      } finally {
        db.close();
      }
      const answer = await audit.officer('/v1/audit/verify');
      expect(answer.body).toMatchObject({ ok: false, firstBrokenSeq: 4, problem: 'hash_mismatch' });
    });
  });
});
