import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthenticatedUser } from '@vgp/auth';
import type { StoredEvent } from '@vgp/event-store';
import {
  applyProjectionEvent,
  ensureProjectionIndexes,
  type ReadModelPage,
  type ReadModelQuery,
  type ReadModelStore,
  SqliteReadModelStore,
} from '@vgp/read-models';
import { GetAccessLogHandler } from '../application/get-access-log.handler.js';
import { SearchAuditEventsHandler } from '../application/search-audit-events.handler.js';
import type { AccessLogItem } from '../domain/access-log.js';
import {
  AUDIT_STREAM,
  type AuditChainState,
  type AuditEntry,
  type AuditSource,
  decide,
  evolve,
  initialState,
} from '../domain/audit-chain.js';
import { AUDIT_ENTRIES_COLLECTION, type AuditEntryDocument, auditLogProjection, seqKey } from './audit-log.projection.js';
import { AuditLogReadModel } from './audit-log.read-model.js';
import { nodeSha256 } from './node-sha256.js';

let n = 0;
const source = (type: string, data: Record<string, unknown>, actor: Partial<AuditSource['actor']> = {}): AuditSource => {
  n++;
  return {
    id: `src-${n}`,
    type,
    schemaVersion: 1,
    streamId: `s-${n}`,
    revision: 0,
    occurredAt: new Date(Date.UTC(2026, 2, 1) + n * 60_000).toISOString(),
    correlationId: `corr-${n}`,
    causationId: null,
    actor: { id: 'u-clinician', role: 'clinician', clinicId: 'clinic-1', ...actor } as AuditSource['actor'],
    softwareVersion: '1.0.0',
    featureFlags: [],
    data,
  };
};
const stored = (recordingId: string, consultationId: string, patientId: string, clinicId = 'clinic-1') =>
  source(
    'RecordingStored',
    { recordingId, consultationId, patientId, clinicId, clinicianId: 'u-clinician' },
    { id: 'recording', role: 'system' },
  );
const booked = (consultationId: string, patientId: string, clinicId = 'clinic-1') =>
  source('ConsultationBooked', { consultationId, patientId, clinicId, clinicianId: 'u-clinician' });

/** A chain folded into the read model as the live runner does, one entry at a time. */
class Chain {
  private state: AuditChainState = initialState();
  private revision = 0;
  constructor(readonly readModels: ReadModelStore) {}

  async append(...sources: AuditSource[]): Promise<void> {
    await ensureProjectionIndexes(auditLogProjection, this.readModels);
    for (const s of sources) {
      for (const event of decide({ type: 'RecordAuditEntry', source: s }, this.state, nodeSha256)) {
        this.state = evolve(this.state, event);
        const storedEvent: StoredEvent<'AuditEntryRecorded', AuditEntry> = {
          ...event.data.source,
          id: `e-${this.revision}`,
          type: event.type,
          streamId: AUDIT_STREAM,
          revision: this.revision,
          position: ++this.revision,
          data: event.data,
        };
        await applyProjectionEvent(auditLogProjection, this.readModels, storedEvent);
      }
    }
  }
}

/** The store as the handlers use it, keeping every query they ran (to explain them afterwards). */
class RecordingQueries {
  readonly queries: { collection: string; query: ReadModelQuery }[] = [];
  readonly store: ReadModelStore;
  constructor(inner: SqliteReadModelStore) {
    this.store = new Proxy(inner, {
      get: (target, key, receiver) => {
        if (key !== 'query') return Reflect.get(target, key, receiver) as unknown;
        return <T extends Record<string, unknown>>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> => {
          this.queries.push({ collection, query });
          return target.query<T>(collection, query);
        };
      },
    });
  }
}

const officer: AuthenticatedUser = { id: 'officer-1', roles: ['compliance_officer'], clinicId: 'clinic-1' };
const patient = (id: string): AuthenticatedUser => ({ id, roles: ['patient'], clinicId: 'clinic-1' });
const caughtUp = { caughtUp: async () => undefined };

describe('the audit read model on SQLite: resolved at write, re-indexed by late facts, read through indexes', () => {
  let dir: string;
  let store: SqliteReadModelStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-audit-read-'));
    store = new SqliteReadModelStore({ path: join(dir, 'audit.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entry = (seq: number) => store.get<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, seqKey(seq));

  it('a recording bound after it was replayed re-files exactly the entries that named it', async () => {
    const chain = new Chain(store);
    await chain.append(
      booked('c-1', 'p-1'),
      source('ReplayStreamed', { recordingId: 'rec-1' }, { clinicId: 'clinic-9' }), // 2: names rec-1, bound later
      source('ReplayStreamed', { recordingId: 'rec-2' }, { clinicId: 'clinic-9' }), // 3: another recording
      source('ReplayListed', { recordingIds: ['rec-1', 'rec-3'] }, { clinicId: 'clinic-9' }), // 4: rec-1 among others
    );
    const before = await Promise.all([1, 2, 3, 4].map(entry));
    expect(before[1]).toMatchObject({ clinicIds: ['clinic-9'], patientIds: [], consultationIds: [] });

    await chain.append(stored('rec-1', 'c-1', 'p-1'));

    const after = await Promise.all([1, 2, 3, 4].map(entry));
    expect(after[0]).toEqual(before[0]);
    expect(after[2]).toEqual(before[2]);
    expect(after[1]).toMatchObject({ clinicIds: ['clinic-9', 'clinic-1'], patientIds: ['p-1'], consultationIds: ['c-1'] });
    expect(after[3]).toMatchObject({ clinicIds: ['clinic-9', 'clinic-1'], patientIds: ['p-1'], recordingIds: ['rec-1', 'rec-3'] });
    // The chain itself is what it was: only the search fields moved.
    expect(after[1]?.entry).toEqual(before[1]?.entry);

    // A booking learnt after the recording: the entries naming its consultation (through the recording) follow.
    await chain.append(stored('rec-4', 'c-4', ''), source('ReplayGranted', { recordingId: 'rec-4' }, { clinicId: 'clinic-9' }));
    expect(await entry(7)).toMatchObject({ patientIds: [], consultationIds: ['c-4'] });
    await chain.append(booked('c-4', 'p-4', 'clinic-2'));
    expect(await entry(7)).toMatchObject({ clinicIds: expect.arrayContaining(['clinic-9', 'clinic-2']), patientIds: ['p-4'] });
    expect(await entry(2)).toEqual(after[1]);
  });

  it('an actor filed by their bookings is re-filed when they book in another clinic, and only then', async () => {
    const chain = new Chain(store);
    await chain.append(
      booked('c-1', 'p-1'),
      source('ReplayListed', { recordingIds: [] }, { id: 'p-1', role: 'patient', clinicId: undefined }),
      source('ReplayListed', { recordingIds: [] }, { id: 'p-2', role: 'patient', clinicId: undefined }),
    );
    expect(await entry(2)).toMatchObject({ clinicIds: ['clinic-1'], filedByPeopleOf: 'p-1' });
    const other = await entry(3);
    await chain.append(booked('c-2', 'p-1', 'clinic-2'));
    expect(await entry(2)).toMatchObject({ clinicIds: ['clinic-1', 'clinic-2'] });
    expect(await entry(3)).toEqual(other);
  });

  it('pages walk every match once, in chain order, for an officer and for a patient', async () => {
    const chain = new Chain(store);
    await chain.append(booked('c-1', 'p-1'), stored('rec-1', 'c-1', 'p-1'), booked('c-2', 'p-2'), stored('rec-2', 'c-2', 'p-2'));
    for (let i = 0; i < 23; i++) {
      await chain.append(
        source('ReplayStreamed', { recordingId: 'rec-1', rangeStart: 0, rangeEnd: i, totalBytes: 100 }),
        source('ReplayStreamed', { recordingId: 'rec-2', rangeStart: 0, rangeEnd: i, totalBytes: 100 }),
      );
    }
    const log = new AuditLogReadModel(store);

    const seenByOfficer: number[] = [];
    let after: number | undefined;
    do {
      const page = await new SearchAuditEventsHandler(log, caughtUp).execute({ officer, filters: { patientId: 'p-1', limit: 4, after } });
      seenByOfficer.push(...page.items.map((item) => item.seq));
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    const p1Entries = (await log.entriesAfter({ patientId: 'p-1' }, 0, 1000)).map((e) => e.seq);
    expect(p1Entries).toHaveLength(25);
    expect(seenByOfficer).toEqual(p1Entries);

    // A time window walks the clinic's time index instead; the pages are the same chain-ordered walk.
    const window = { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };
    const seenInWindow: number[] = [];
    let afterInWindow: number | undefined;
    do {
      const page = await new SearchAuditEventsHandler(log, caughtUp).execute({
        officer,
        filters: { ...window, limit: 6, after: afterInWindow },
      });
      seenInWindow.push(...page.items.map((item) => item.seq));
      afterInWindow = page.nextCursor ?? undefined;
    } while (afterInWindow !== undefined);
    expect(seenInWindow).toEqual((await log.entriesAfter({ clinicId: 'clinic-1' }, 0, 1000)).map((e) => e.seq));
    expect(seenInWindow).toHaveLength(50);

    const seenByPatient: AccessLogItem[] = [];
    let cursor = 0;
    for (;;) {
      const page = await new GetAccessLogHandler(log, caughtUp).execute({ patient: patient('p-1'), afterSeq: cursor, limit: 5 });
      seenByPatient.push(...page.items);
      if (page.next === null) break;
      cursor = Number(page.next);
    }
    expect(seenByPatient.map((item) => item.bytes?.end)).toEqual([...Array(23).keys()]);
    expect(new Set(seenByPatient.map((item) => item.seq)).size).toBe(23);
    expect(seenByPatient.flatMap((item) => item.recordingIds)).not.toContain('rec-2');
  });

  it('a patient with no entries costs index look-ups only, never a scan of anyone else’s entries', async () => {
    const chain = new Chain(store);
    await chain.append(booked('c-1', 'p-1'), stored('rec-1', 'c-1', 'p-1'));
    for (let i = 0; i < 10; i++) await chain.append(source('ReplayStreamed', { recordingId: 'rec-1' }));
    const recording = new RecordingQueries(store);

    const page = await new GetAccessLogHandler(new AuditLogReadModel(recording.store), caughtUp).execute({
      patient: patient('p-nobody'),
      afterSeq: 0,
      limit: 50,
    });
    const officerPage = await new SearchAuditEventsHandler(new AuditLogReadModel(recording.store), caughtUp).execute({
      officer: { ...officer, clinicId: 'clinic-empty' },
      filters: { limit: 10 },
    });

    expect(page).toEqual({ items: [], next: null });
    expect(officerPage).toEqual({ items: [], nextCursor: null });
    expect(recording.queries).toHaveLength(2);
    for (const { collection, query } of recording.queries) {
      const plan = await store.explain(collection, query);
      expect(
        plan.some((line) => line.startsWith('SCAN')),
        plan.join('\n'),
      ).toBe(false);
      expect(plan.join('\n')).toMatch(/USING (COVERING )?INDEX (ix|arr):/);
    }
  });
});
