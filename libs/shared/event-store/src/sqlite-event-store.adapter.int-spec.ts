import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { aNewEvent, describeEventStoreContract } from '@vgp/testing';
import { EventStoreUnavailable } from './event-store.port.js';
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
