import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { migratePostgresEventStore, PostgresEventStore } from '@vgp/event-store/postgres';
import { testServices } from '@vgp/testing';
import { bookedEvent, closedLoop, emptySample, rate, type Sample, streamOf } from './append-load.js';
import { type Benchmark, infoRow, num, percentile, type Row, row, type Table } from './lib.js';

const CONCURRENCY = [1, 8, 32];
const WARMUP = 300;
const ROUNDS = 2;
const SLICE_MS = 2_000;
const SLICE_MAX_EVENTS = 40_000;

/** The event store's columns and types, with no key, constraint, index or trigger. */
const rawTableSql = (schema: string) => `CREATE TABLE ${schema}.raw_events (
  position bigint GENERATED ALWAYS AS IDENTITY, id uuid, stream_id text, revision bigint, type text, schema_version integer,
  occurred_at timestamptz, correlation_id text, causation_id text, actor jsonb, software_version text,
  feature_flags jsonb, data jsonb)`;

const rawInsertSql = (schema: string) => `INSERT INTO ${schema}.raw_events (id, stream_id, revision, type, schema_version,
  occurred_at, correlation_id, causation_id, actor, software_version, feature_flags, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

export const eventStoreAppendPostgres: Benchmark = {
  name: 'event-store-append-postgres',
  title: 'Event store append with group commit on PostgreSQL (PostgresEventStore vs raw INSERT)',
  measures:
    'One-event appends (a ConsultationBooked envelope, streams round-robin over 1,000 `consultation-<n>` streams, expected revision ' +
    '`any`) to `PostgresEventStore` (its own fresh schema, migrated as in production, connected as the application role) from ' +
    `${CONCURRENCY.join(', ')} concurrent closed-loop appenders (each awaits its append, then sends the next); the store commits ` +
    'concurrent appends together (position lock, one multi-row insert, one commit). Baseline, on the same server (the test-services ' +
    'PostgreSQL, `synchronous_commit` as the server has it): a single-row parameterised `INSERT` in autocommit per event into a plain ' +
    'table with the same columns and types (no key, constraint, index or trigger), from as many `pg` connections as appenders, with the ' +
    `same JSON serialisation. Each variant runs ${ROUNDS} slices of up to ${SLICE_MS / 1000} s or ` +
    `${SLICE_MAX_EVENTS.toLocaleString('en-US')} events, store and raw alternating, after ${WARMUP} warm-up appends. Appends per ` +
    'transaction are counted from the stored rows (`count(DISTINCT tx)`).',
  async run(progress) {
    const services = testServices();
    let endpoint;
    try {
      endpoint = await services.postgres();
      const probe = new Client({ connectionString: endpoint.ownerUrl, connectionTimeoutMillis: 3_000 });
      await probe.connect();
      await probe.end();
    } catch (error) {
      return { tables: [], notes: [], skipped: `no PostgreSQL (${error instanceof Error ? error.message : String(error)})` };
    }
    const schema = `bench_append_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const owner = new Client({ connectionString: endpoint.ownerUrl });
    await owner.connect();
    let store: PostgresEventStore | undefined;
    let raw: Pool | undefined;
    try {
      await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
      await owner.query(rawTableSql(schema));
      const setting = async (name: string) => Object.values((await owner.query(`SHOW ${name}`)).rows[0] as object)[0] as string;
      const durability = `fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}`;
      const pgStore = (store = new PostgresEventStore({ connectionString: endpoint.appUrl, schema, poolSize: 4 }));
      const pool = (raw = new Pool({ connectionString: endpoint.ownerUrl, max: Math.max(...CONCURRENCY) }));
      const insert = rawInsertSql(schema);
      const revisions = new Map<string, number>();
      const rawAppend = (i: number) => {
        const event = bookedEvent(i);
        const stream = streamOf(i);
        const revision = (revisions.get(stream) ?? -1) + 1;
        revisions.set(stream, revision);
        const m = event.metadata;
        return pool.query(insert, [
          event.id,
          stream,
          revision,
          event.type,
          event.schemaVersion ?? 1,
          event.occurredAt,
          m.correlationId,
          m.causationId,
          JSON.stringify(m.actor),
          m.softwareVersion,
          JSON.stringify(m.featureFlags),
          JSON.stringify(event.data),
        ]);
      };
      const storeAppend = (i: number) => pgStore.append(streamOf(i), [bookedEvent(i)], 'any');
      const head = async () =>
        Number((await owner.query<{ head: string }>(`SELECT COALESCE(max(position), 0) AS head FROM ${schema}.events`)).rows[0].head);

      let next = 0;
      for (const append of [storeAppend, rawAppend]) {
        const first = next;
        await Promise.all(Array.from({ length: WARMUP }, (_, k) => append(first + k)));
        next += WARMUP;
      }
      const samples = new Map(CONCURRENCY.map((c) => [c, { store: emptySample(), raw: emptySample(), ranges: [] as [number, number][] }]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of CONCURRENCY) {
          const sample = samples.get(c) as { store: Sample; raw: Sample; ranges: [number, number][] };
          progress.phase(`store, ${c} appenders, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
          const from = await head();
          next = await closedLoop(storeAppend, c, sample.store, next, SLICE_MS, SLICE_MAX_EVENTS);
          sample.ranges.push([from, await head()]);
          progress.phase(`raw, ${c} connections, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
          next = await closedLoop(rawAppend, c, sample.raw, next, SLICE_MS, SLICE_MAX_EVENTS);
        }
      }

      const tables: Table[] = [];
      for (const c of CONCURRENCY) {
        const { store: result, raw: baseline, ranges } = samples.get(c) as { store: Sample; raw: Sample; ranges: [number, number][] };
        let events = 0;
        let transactions = 0;
        for (const [from, to] of ranges) {
          const { rows } = await owner.query<{ events: string; transactions: string }>(
            `SELECT count(*) AS events, count(DISTINCT tx) AS transactions FROM ${schema}.events WHERE position > $1 AND position <= $2`,
            [from, to],
          );
          events += Number(rows[0].events);
          transactions += Number(rows[0].transactions);
        }
        const rows: Row[] = [
          row('events/s', rate(result), rate(baseline), 'ev/s', true),
          row('p50 append latency', percentile(result.latencies, 50), percentile(baseline.latencies, 50), 'ms', false),
          row('p99 append latency', percentile(result.latencies, 99), percentile(baseline.latencies, 99), 'ms', false),
          infoRow('appends per transaction', num(events / transactions), '1'),
          infoRow('events appended', result.events.toLocaleString('en-US'), baseline.events.toLocaleString('en-US')),
        ];
        tables.push({
          title: `${c} concurrent appender${c === 1 ? '' : 's'}`,
          resultLabel: 'PostgresEventStore.append (group commit)',
          baselineLabel: `raw INSERT, ${c} connection${c === 1 ? '' : 's'}`,
          rows,
        });
      }
      return {
        tables,
        notes: [
          `The server runs with ${durability}. Raw INSERTs from separate connections also share WAL flushes ` +
            "(PostgreSQL's own group commit); the store serialises its transactions under the position lock (docs/decisions/0020) " +
            'and makes up for it by batching the appends that wait.',
        ],
      };
    } finally {
      await store?.close();
      await raw?.end();
      await owner.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await owner.end();
      await services.stop();
    }
  },
};
