import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { aNewEvent, describeEventStoreContract } from '@vgp/testing';
import { DuplicateEventId, EventStoreUnavailable, WrongExpectedRevision } from './event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.adapter.js';
import { UpcasterRegistry } from './upcasters.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'vgp-sqlite-store-'));

/** A second, raw connection to the same file: what an operator with shell access would have. */
const rawSql = (path: string) => (sql: string) => {
  const db = new DatabaseSync(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
};

describeEventStoreContract('SqliteEventStore', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.sqlite');
  const store = new SqliteEventStore({ path, pollIntervalMs: 50 });
  return {
    store,
    tamper: rawSql(path),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteEventStore on disk', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, 'events.sqlite');
    store = new SqliteEventStore({ path, pollIntervalMs: 50 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses, in the database itself, to rewrite a recorded event', async () => {
    await store.append('audit-1', [aNewEvent({ data: { viewerId: 'patient-ben' } })], 'no_stream');
    expect(() => rawSql(path)(`UPDATE events SET data = '{"viewerId":"someone-else"}'`)).toThrow(/append-only: UPDATE refused/);
    expect((await store.readStream('audit-1'))[0].data).toEqual({ viewerId: 'patient-ben' });
  });

  it('refuses, in the database itself, to delete a recorded event', async () => {
    await store.append('audit-1', [aNewEvent()], 'no_stream');
    expect(() => rawSql(path)('DELETE FROM events')).toThrow(/append-only: DELETE refused/);
    expect(await store.readStream('audit-1')).toHaveLength(1);
  });

  it('keeps every event and checkpoint when the store is reopened', async () => {
    const events = [aNewEvent({ data: { n: 1 } }), aNewEvent({ data: { n: 2 } })];
    await store.append('consultation-1', events, 'no_stream');
    await store.storeCheckpoint('projection', 2);
    const before = await store.readAll();
    await store.close();

    store = new SqliteEventStore({ path });
    expect(await store.readAll()).toEqual(before);
    expect(await store.readCheckpoint('projection')).toBe(2);
    await expect(store.append('consultation-1', [aNewEvent()], 1)).resolves.toMatchObject({ nextExpectedRevision: 2 });
  });

  it('runs in WAL mode with full sync', () => {
    const db = new DatabaseSync(path);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      db.close();
    }
  });

  it('sees events another process appended to the same file', async () => {
    const seen: unknown[] = [];
    const subscription = store.subscribe({ categories: ['consultation'] }, async (e) => void seen.push(e.data));
    const other = new SqliteEventStore({ path });
    await other.append('consultation-9', [aNewEvent({ data: { n: 9 } })], 'any');
    await other.close();
    await subscription.caughtUp();
    expect(seen).toEqual([{ n: 9 }]);
    await subscription.stop();
  });

  it('answers EventStoreUnavailable, never success, when the database cannot take the write', async () => {
    const blocker = new DatabaseSync(path);
    blocker.exec('BEGIN IMMEDIATE');
    const busy = new SqliteEventStore({ path, busyTimeoutMs: 50 });
    try {
      await expect(busy.append('audit-2', [aNewEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
      expect(await busy.isHealthy()).toBe(false);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
      await busy.close();
    }
    await expect(store.append('audit-2', [aNewEvent()], 'any')).resolves.toMatchObject({ nextExpectedRevision: 0 });
  });

  it('answers EventStoreUnavailable once closed, and stops its subscriptions', async () => {
    const seen: unknown[] = [];
    store.subscribe({}, async (e) => void seen.push(e.id));
    await store.close();
    expect(await store.isHealthy()).toBe(false);
    await expect(store.append('audit-3', [aNewEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
  });

  describe('group commit', () => {
    /** Whether the event is committed, asked on a connection of its own: what any other reader would see. */
    const committed = (id: string) => {
      const db = new DatabaseSync(path);
      try {
        return db.prepare('SELECT 1 FROM events WHERE id = ?').get(id) !== undefined;
      } finally {
        db.close();
      }
    };

    it('commits 100 concurrent appends in one transaction, and answers each only once it is committed', async () => {
      const before = store.groupCommitStats();
      const events = Array.from({ length: 100 }, (_, i) => aNewEvent({ data: { i } }));
      const seenCommitted = await Promise.all(
        events.map((event, i) => store.append(`order-${i}`, [event], 'no_stream').then(() => committed(event.id))),
      );
      expect(seenCommitted.every(Boolean)).toBe(true);
      expect(store.groupCommitStats()).toEqual({ commits: before.commits + 1, appends: before.appends + 100 });
    });

    it('shares commits between writers that each wait for their previous append', async () => {
      const before = store.groupCommitStats();
      const writer = async (w: number) => {
        for (let n = 0; n < 25; n++) await store.append(`writer-${w}`, [aNewEvent({ data: { n } })], n === 0 ? 'no_stream' : n - 1);
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      const after = store.groupCommitStats();
      expect(after.appends - before.appends).toBe(200);
      // Each round of the 8 writers shares one fsync.
      expect(after.commits - before.commits).toBeLessThanOrEqual(25);
      expect(await store.readStream('writer-7')).toHaveLength(25);
    });

    it('decides appends of one batch in arrival order, each as if it ran alone', async () => {
      const retried = aNewEvent();
      const outcomes = await Promise.allSettled([
        store.append('order-1', [retried], 'no_stream'),
        store.append('order-1', [aNewEvent()], 0),
        store.append('order-1', [aNewEvent()], 0),
        store.append('order-1', [retried], 'no_stream'),
        store.append('order-1', [aNewEvent()], 1),
        store.append('order-2', [{ ...retried, data: { other: true } }], 'any'),
      ]);
      expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0 } });
      expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
      expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevision) });
      expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ expected: 0, actual: 1 });
      // The retry answers as the first append did; an id reused with other content is refused.
      expect(outcomes[3]).toEqual(outcomes[0]);
      expect(outcomes[4]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 2 } });
      expect(outcomes[5]).toMatchObject({ status: 'rejected', reason: expect.any(DuplicateEventId) });
      expect((await store.readAll()).map((e) => [e.streamId, e.revision])).toEqual([
        ['order-1', 0],
        ['order-1', 1],
        ['order-1', 2],
      ]);
    });

    it('fails only the append whose statement the database refuses, not the others sharing its commit', async () => {
      rawSql(path)(`CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.type = 'Refused'
        BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END`);
      const outcomes = await Promise.allSettled([
        store.append('batch-1', [aNewEvent()], 'no_stream'),
        store.append('batch-2', [aNewEvent(), aNewEvent({ type: 'Refused' })], 'no_stream'),
        store.append('batch-3', [aNewEvent()], 'no_stream'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailable);
      // Its first event, written before the refusal, went with it.
      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['batch-1', 'batch-3']);
    });

    it('answers every caller of a batch whose transaction fails with the failure, stores none of it, and commits the next batch', async () => {
      // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error would, after the other
      // appends of the batch were written in it.
      rawSql(path)(`CREATE TRIGGER fail_transaction BEFORE INSERT ON events WHEN NEW.type = 'Poison'
        BEGIN SELECT RAISE(ROLLBACK, 'injected transaction failure'); END`);
      const before = store.groupCommitStats();
      const failed = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) => store.append(`doomed-${i}`, [aNewEvent()], 'no_stream')),
        store.append('doomed-0', [aNewEvent()], 'no_stream'),
        store.append('doomed-poison', [aNewEvent({ type: 'Poison' })], 'any'),
      ]);
      for (const outcome of failed) {
        expect(outcome.status).toBe('rejected');
        // Even the append refused for its revision: that was decided against rows that are now gone.
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailable);
        expect((outcome as PromiseRejectedResult).reason.message).toMatch(/injected transaction failure/);
      }
      expect(await store.readAll()).toEqual([]);
      expect(store.groupCommitStats()).toEqual(before);

      const next = await Promise.all(Array.from({ length: 5 }, (_, i) => store.append(`doomed-${i}`, [aNewEvent()], 'no_stream')));
      expect(next.map((r) => r.nextExpectedRevision)).toEqual([0, 0, 0, 0, 0]);
      expect(await store.readAll()).toHaveLength(5);
    });

    it('commits the appends it has taken when it is closed', async () => {
      const pending = store.append('closing-1', [aNewEvent()], 'no_stream');
      await store.close();
      await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0 });
      store = new SqliteEventStore({ path });
      expect(await store.readStream('closing-1')).toHaveLength(1);
    });
  });

  it("keeps a ':memory:' store for the life of the object", async () => {
    const memory = new SqliteEventStore({ path: ':memory:' });
    await memory.append('note-1', [aNewEvent()], 'no_stream');
    expect(await memory.readStream('note-1')).toHaveLength(1);
    expect(await memory.isHealthy()).toBe(true);
    await memory.close();
  });

  it('upcasts old schema versions on read, leaving the stored row as written', async () => {
    await store.close();
    const upcasters = new UpcasterRegistry().register('NoteTaken', 1, (data) => ({ ...(data as object), visibility: 'private' }));
    store = new SqliteEventStore({ path, upcasters });
    await store.append('note-1', [aNewEvent({ data: { n: 1 }, schemaVersion: 1 })], 'no_stream');
    expect(await store.readStream('note-1')).toMatchObject([{ schemaVersion: 2, data: { n: 1, visibility: 'private' } }]);
    const seen: unknown[] = [];
    const subscription = store.subscribe({}, async (e) => void seen.push(e.data));
    await subscription.caughtUp();
    expect(seen).toEqual([{ n: 1, visibility: 'private' }]);
    await subscription.stop();

    const raw = new DatabaseSync(path);
    expect(raw.prepare('SELECT schema_version, data FROM events').get()).toEqual({ schema_version: 1, data: '{"n":1}' });
    raw.close();
  });
});
