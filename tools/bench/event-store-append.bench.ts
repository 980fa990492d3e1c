import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteEventStore } from '@vgp/event-store';
import { bookedEvent, closedLoop, emptySample, rate, type Sample, streamOf } from './append-load.js';
import { type Benchmark, infoRow, now, num, percentile, type Row, row, type Table } from './lib.js';

const CONCURRENCY = [1, 8, 32];
const WARMUP = 300;
/** Each variant runs in ROUNDS slices, alternating, so a noisy neighbour hits all alike. */
const ROUNDS = 2;
const SLICE_MS = 2_000;
const SLICE_MAX_EVENTS = 40_000;

/** The same columns as the event store's table, with no constraint, index or trigger, and the same JSON serialisation. */
const rawTable = (path: string) => {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT, stream_id TEXT, revision INTEGER, type TEXT,
    schema_version INTEGER, occurred_at TEXT, correlation_id TEXT, causation_id TEXT, actor TEXT,
    software_version TEXT, feature_flags TEXT, data TEXT)`);
  const insert = db.prepare(`INSERT INTO events (id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
    causation_id, actor, software_version, feature_flags, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const revisions = new Map<string, number>();
  const insertOne = (i: number) => {
    const event = bookedEvent(i);
    const stream = streamOf(i);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const m = event.metadata;
    insert.run(
      event.id,
      stream,
      revision,
      event.type,
      event.schemaVersion ?? 1,
      event.occurredAt ?? new Date().toISOString(),
      m.correlationId,
      m.causationId,
      JSON.stringify(m.actor),
      m.softwareVersion,
      JSON.stringify(m.featureFlags),
      JSON.stringify(event.data),
    );
  };
  return {
    insertOne,
    /** Autocommit: one transaction, and one fsync, per row. */
    slicePerRow(sample: Sample, first: number): number {
      const started = now();
      let n = 0;
      while (n < SLICE_MAX_EVENTS && now() - started < SLICE_MS) {
        const t0 = now();
        insertOne(first + n++);
        sample.latencies.push(now() - t0);
      }
      sample.ms += now() - started;
      sample.events += n;
      return first + n;
    },
    /** `rows` rows per transaction: what perfect group commit of `rows` callers costs; each row waits for the whole transaction. */
    sliceBatched(rows: number, sample: Sample, first: number): number {
      const started = now();
      let n = 0;
      while (n < SLICE_MAX_EVENTS && now() - started < SLICE_MS) {
        const t0 = now();
        begin.run();
        for (let r = 0; r < rows; r++) insertOne(first + n++);
        commit.run();
        const ms = now() - t0;
        for (let r = 0; r < rows; r++) sample.latencies.push(ms);
      }
      sample.ms += now() - started;
      sample.events += n;
      return first + n;
    },
    close: () => db.close(),
  };
};

export const eventStoreAppend: Benchmark = {
  name: 'event-store-append',
  title: 'Event store append with group commit (SqliteEventStore vs raw node:sqlite INSERT)',
  measures:
    'One-event appends (a ConsultationBooked envelope, streams round-robin over 1,000 `consultation-<n>` streams, expected revision ' +
    "`any`) to `SqliteEventStore` on a file in WAL mode with `synchronous=FULL` (the platform's default) and group commit, from " +
    `${CONCURRENCY.join(', ')} concurrent closed-loop appenders (each awaits its append, then sends the next). Baselines, on the same ` +
    'disk with the same pragmas, into a plain table with the same columns (no constraints, indexes or triggers) doing the same JSON ' +
    'serialisation: (a) one prepared `INSERT` per transaction (autocommit: one fsync per row; node:sqlite is synchronous, so more ' +
    'callers cannot go faster), and (b) N rows per explicit transaction, where N is the number of appenders: what a perfect group ' +
    `commit of N callers would cost, each row waiting for its whole transaction. Each variant runs ${ROUNDS} slices of up to ` +
    `${SLICE_MS / 1000} s or ${SLICE_MAX_EVENTS.toLocaleString('en-US')} events, all variants alternating, after ${WARMUP} warm-up appends. ` +
    'Appends per commit come from `SqliteEventStore.groupCommitStats()`.',
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'vgp-bench-append-'));
    const stores = new Map(CONCURRENCY.map((c) => [c, new SqliteEventStore({ path: join(dir, `store-${c}.sqlite`) })]));
    const raw = rawTable(join(dir, 'raw.sqlite'));
    try {
      const store = emptyMap(() => emptySample());
      const batched = emptyMap(() => emptySample());
      const perRow = emptySample();
      let next = 0;
      for (const s of stores.values()) {
        const first = next;
        await Promise.all(Array.from({ length: WARMUP }, (_, k) => s.append(streamOf(first + k), [bookedEvent(first + k)], 'any')));
        next += WARMUP;
      }
      for (let k = 0; k < WARMUP; k++) raw.insertOne(next++);
      const statsBefore = new Map([...stores].map(([c, s]) => [c, s.groupCommitStats()]));
      for (let round = 0; round < ROUNDS; round++) {
        progress.phase(`raw, one row per transaction, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
        next = raw.slicePerRow(perRow, next);
        for (const c of CONCURRENCY) {
          const s = stores.get(c) as SqliteEventStore;
          progress.phase(`store, ${c} appenders, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
          next = await closedLoop(
            (i) => s.append(streamOf(i), [bookedEvent(i)], 'any'),
            c,
            store.get(c) as Sample,
            next,
            SLICE_MS,
            SLICE_MAX_EVENTS,
          );
          progress.phase(`raw, ${c} rows per transaction, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
          next = raw.sliceBatched(c, batched.get(c) as Sample, next);
        }
      }
      const tables: Table[] = CONCURRENCY.map((c) => {
        const result = store.get(c) as Sample;
        const batch = batched.get(c) as Sample;
        const before = statsBefore.get(c) as { commits: number; appends: number };
        const after = (stores.get(c) as SqliteEventStore).groupCommitStats();
        const perCommit = (after.appends - before.appends) / (after.commits - before.commits);
        const rows: Row[] = [
          row('events/s vs one row per transaction', rate(result), rate(perRow), 'ev/s', true),
          row(`events/s vs ${c} row${c === 1 ? '' : 's'} per transaction`, rate(result), rate(batch), 'ev/s', true),
          row(
            'p50 append latency vs the batch transaction',
            percentile(result.latencies, 50),
            percentile(batch.latencies, 50),
            'ms',
            false,
          ),
          row(
            'p99 append latency vs the batch transaction',
            percentile(result.latencies, 99),
            percentile(batch.latencies, 99),
            'ms',
            false,
          ),
          infoRow('appends per commit (store) / rows per transaction (raw)', num(perCommit), String(c)),
          infoRow('events appended', result.events.toLocaleString('en-US'), batch.events.toLocaleString('en-US')),
        ];
        return {
          title: `${c} concurrent appender${c === 1 ? '' : 's'}, synchronous=FULL`,
          resultLabel: 'SqliteEventStore.append (group commit)',
          baselineLabel: 'raw INSERT',
          rows,
        };
      });
      return {
        tables,
        notes: [
          `Raw INSERT with one row per transaction: ${num(rate(perRow))} rows/s, p50 ${num(percentile(perRow.latencies, 50))} ms, ` +
            `p99 ${num(percentile(perRow.latencies, 99))} ms (the fsync rate of this disk).`,
          'node:sqlite commits synchronously, so a batch forms while the event loop is busy: appends queued in the same tick, or ' +
            'by callers woken by the previous commit, share the next transaction (docs/decisions/0025).',
        ],
      };
    } finally {
      for (const s of stores.values()) await s.close();
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const emptyMap = <T>(make: () => T): Map<number, T> => new Map(CONCURRENCY.map((c) => [c, make()]));
