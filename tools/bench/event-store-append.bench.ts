import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type EventMetadata } from '@vgp/contracts';
import { type NewEvent, SqliteEventStore } from '@vgp/event-store';
import { type Benchmark, infoRow, now, percentile, type Row, row, type Table } from './lib.js';

const STREAMS = 1_000;
const WARMUP = 300;
/** Each variant runs in ROUNDS slices, store and raw alternating, so a noisy neighbour hits both alike. */
const ROUNDS = 2;
const SLICE_MS = 3_000;
const SLICE_MAX_EVENTS = 20_000;

const metadata: EventMetadata = {
  correlationId: 'bench-correlation',
  causationId: null,
  actor: { id: 'admin-bench', role: 'clinic_admin' },
  softwareVersion: '0.1.0-bench',
  featureFlags: ['media-switch'],
};

const bookedEvent = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'ConsultationBooked',
  occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  data: {
    consultationId: randomUUID(),
    clinicId: 'clinic-bench',
    patientId: `patient-${i % 5_000}`,
    clinicianId: `dr-${i % 100}`,
    startsAt: '2026-03-01T09:00:00.000Z',
    durationMinutes: 20,
    mode: 'video',
  },
  metadata,
});

type Appender = { append(stream: string, event: NewEvent): Promise<void> | void; close(): void | Promise<void> };

/** The same columns as the event store's table, with no constraint, index, trigger or explicit transaction. */
const rawAppender = (path: string, synchronous: 'FULL' | 'NORMAL'): Appender => {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT, stream_id TEXT, revision INTEGER, type TEXT,
    schema_version INTEGER, occurred_at TEXT, correlation_id TEXT, causation_id TEXT, actor TEXT,
    software_version TEXT, feature_flags TEXT, data TEXT)`);
  const insert = db.prepare(`INSERT INTO events (id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
    causation_id, actor, software_version, feature_flags, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const revisions = new Map<string, number>();
  return {
    append(stream, event) {
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      const m = event.metadata;
      // The same serialisation work as the store does, so only the store's own overhead differs.
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
    },
    close: () => db.close(),
  };
};

const storeAppender = (path: string, synchronous: 'FULL' | 'NORMAL'): Appender => {
  const store = new SqliteEventStore({ path, synchronous });
  return {
    append: async (stream, event) => void (await store.append(stream, [event], 'any')),
    close: () => store.close(),
  };
};

type Sample = { latencies: number[]; events: number; ms: number };

export const eventStoreAppend: Benchmark = {
  name: 'event-store-append',
  title: 'Event store append (SqliteEventStore vs raw node:sqlite INSERT)',
  measures:
    'Appends of one-event batches (a ConsultationBooked envelope, streams round-robin over 1,000 `consultation-<n>` streams, ' +
    "expected revision `any`) to `SqliteEventStore` on a file in WAL mode, with `synchronous=FULL` (the platform's default) and " +
    '`NORMAL`. Baseline: one prepared `INSERT` per event, in autocommit, into a plain table with the same columns (no ' +
    'constraints, indexes or triggers) on its own file with the same pragmas, doing the same JSON serialisation. ' +
    `Each variant runs ${ROUNDS} slices of up to ${SLICE_MS / 1000} s or ${SLICE_MAX_EVENTS.toLocaleString('en-US')} events, store and raw alternating, after ${WARMUP} warm-up appends. ` +
    'Latency is the time of one `await store.append(...)` (one `insert.run(...)` for the baseline).',
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'vgp-bench-append-'));
    const tables: Table[] = [];
    try {
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        const appenders = {
          store: storeAppender(join(dir, `store-${synchronous}.sqlite`), synchronous),
          raw: rawAppender(join(dir, `raw-${synchronous}.sqlite`), synchronous),
        };
        const samples: Record<'store' | 'raw', Sample> = {
          store: { latencies: [], events: 0, ms: 0 },
          raw: { latencies: [], events: 0, ms: 0 },
        };
        let next = 0;
        for (const kind of ['store', 'raw'] as const) {
          for (let i = 0; i < WARMUP; i++, next++) await appenders[kind].append(`consultation-${next % STREAMS}`, bookedEvent(next));
        }
        for (let round = 0; round < ROUNDS; round++) {
          for (const kind of ['store', 'raw'] as const) {
            progress.phase(`${kind} synchronous=${synchronous}, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
            const events = Array.from({ length: 2_000 }, (_, i) => bookedEvent(next + i));
            const sample = samples[kind];
            const started = now();
            let lastTick = started;
            let n = 0;
            while (n < SLICE_MAX_EVENTS && now() - started < SLICE_MS) {
              const event = events[n % events.length];
              // Fresh ids for reused payloads: the store would otherwise answer an idempotent retry.
              const fresh = n < events.length ? event : { ...event, id: randomUUID() };
              const t0 = now();
              await appenders[kind].append(`consultation-${(next + n) % STREAMS}`, fresh);
              sample.latencies.push(now() - t0);
              n++;
              if (now() - lastTick >= 1000) {
                progress.tick();
                lastTick = now();
              }
            }
            sample.ms += now() - started;
            sample.events += n;
            next += n;
          }
        }
        await appenders.store.close();
        await appenders.raw.close();
        const rate = (s: Sample) => (s.events / s.ms) * 1000;
        const rows: Row[] = [
          row('events/s', rate(samples.store), rate(samples.raw), 'ev/s', true),
          row('p50 append latency', percentile(samples.store.latencies, 50), percentile(samples.raw.latencies, 50), 'ms', false),
          row('p99 append latency', percentile(samples.store.latencies, 99), percentile(samples.raw.latencies, 99), 'ms', false),
          infoRow('events appended', samples.store.events.toLocaleString('en-US'), samples.raw.events.toLocaleString('en-US')),
        ];
        tables.push({ title: `synchronous=${synchronous}`, resultLabel: 'SqliteEventStore.append', baselineLabel: 'raw INSERT', rows });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { tables, notes: [] };
  },
};
