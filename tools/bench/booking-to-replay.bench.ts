import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventMetadata } from '@vgp/contracts';
import { type EventStore, type NewEvent, SqliteEventStore, type Subscription } from '@vgp/event-store';
import { PlatformClient } from '@vgp/testing';
import { type Benchmark, infoRow, now, percentile, type Progress, row, sleep } from './lib.js';

const HTTP_BOOKINGS = 1_000;
const STORE_BOOKINGS = 10_000;
/** Bookings one at a time, for the hop's own latency with no queue in front of it. */
const UNLOADED_BOOKINGS = 200;
/** Bookings in flight at once (closed loop): each worker books, waits until replay-access has it, books again. */
const CONCURRENCY = 8;
/** A bound per loaded phase (BENCH_PHASE_MAX_S) so a slow machine still finishes; the default lets 10,000 bookings complete at ~150/s. */
const PHASE_MAX_MS = Number(process.env.BENCH_PHASE_MAX_S ?? 90) * 1000;
const CLINICIANS = 50;

const metadata: EventMetadata = {
  correlationId: 'bench-booking',
  causationId: null,
  actor: { id: 'admin-bench', role: 'clinic_admin' },
  softwareVersion: '0.1.0-bench',
  featureFlags: ['media-switch'],
};

/** Non-overlapping slots: clinician i % 50, one slot of 30 minutes per round of 50 bookings. */
const booking = (i: number, base: number, clinicId: string) => ({
  consultationId: randomUUID(),
  clinicId,
  patientId: `patient-${i}`,
  clinicianId: `dr-${i % CLINICIANS}`,
  startsAt: new Date(base + Math.floor(i / CLINICIANS) * 30 * 60_000).toISOString(),
  durationMinutes: 20,
  mode: 'video' as const,
});

const bookedEvent = (data: ReturnType<typeof booking>): NewEvent => ({ id: randomUUID(), type: 'ConsultationBooked', data, metadata });

/** When each consultation's ConsultationBooked became visible to a subscriber of `store`, by consultation id. */
class Visibility {
  private readonly seenAt = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();
  readonly subscription: Subscription;

  constructor(store: EventStore, category: string, consultationIdOf: (streamId: string, data: unknown) => string) {
    this.subscription = store.subscribe({ fromPosition: 0, categories: [category] }, async (event) => {
      if (event.type !== 'ConsultationBooked') return;
      const id = consultationIdOf(event.streamId, event.data);
      const at = now();
      this.seenAt.set(id, at);
      this.waiting.get(id)?.(at);
      this.waiting.delete(id);
    });
  }

  at(consultationId: string): Promise<number> {
    const seen = this.seenAt.get(consultationId);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiting.set(consultationId, resolve));
  }
}

type Sample = { latencies: number[]; done: number; ms: number };

/** Runs `book(i)` (which answers the consultation id) with CONCURRENCY workers; latency ends when `visible` sees it. */
const closedLoop = async (
  count: number,
  concurrency: number,
  progress: Progress,
  book: (i: number) => Promise<string>,
  visible: Visibility,
): Promise<Sample> => {
  const sample: Sample = { latencies: [], done: 0, ms: 0 };
  const started = now();
  let next = 0;
  const worker = async () => {
    while (next < count && now() - started < PHASE_MAX_MS) {
      const i = next++;
      const t0 = now();
      const consultationId = await book(i);
      const seen = await visible.at(consultationId);
      sample.latencies.push(seen - t0);
      sample.done++;
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  sample.ms = now() - started;
  return sample;
};

/** Counts, on these store instances only, appends and checkpoint writes (each one a SQLite commit). */
const countWrites = (stores: EventStore[]) => {
  const counts = { appends: 0, checkpoints: 0, restore: () => undefined as void };
  const restores = stores.map((store) => {
    const { append, storeCheckpoint } = store;
    store.append = (...args) => (counts.appends++, append.apply(store, args));
    store.storeCheckpoint = (...args) => (counts.checkpoints++, storeCheckpoint.apply(store, args));
    return () => {
      store.append = append;
      store.storeCheckpoint = storeCheckpoint;
    };
  });
  counts.restore = () => restores.forEach((restore) => restore());
  return counts;
};

const inboxConsultation = (streamId: string) => streamId.slice('inbox-'.length);
const consultationData = (_streamId: string, data: unknown) => (data as { consultationId: string }).consultationId;

export const bookingToReplayLatency: Benchmark = {
  name: 'booking-to-replay-latency',
  title: 'Booking to replay-access latency (embedded platform vs one store, no bus)',
  measures:
    'On `startEmbeddedPlatform` (all five contexts, embedded adapters, SQLite stores with synchronous=FULL in a fresh temporary ' +
    'DATA_DIR, no demo seed, LOG_LEVEL=warn), consultations are booked and, for each, the time is taken from the start of the booking ' +
    "until replay-access's own store holds the inbox copy of its ConsultationBooked (stream `inbox-<consultationId>`), as seen by a " +
    "subscriber on that store (the replay-access projection is woken by the same append). The hop: booking's store → booking outbox → " +
    'in-process bus (which waits for all four consuming contexts) → replay-access inbox append. ' +
    `Two write paths: ${HTTP_BOOKINGS.toLocaleString('en-US')} bookings over HTTP (\`POST /v1/consultations\` as a clinic admin, with ` +
    `the client in the same process as the platform), then ${STORE_BOOKINGS.toLocaleString('en-US')} written straight to the booking store with ` +
    '`adapters.stores.booking.append` (what the booking handler appends, without HTTP and its decider). ' +
    `First ${UNLOADED_BOOKINGS} store-level bookings one at a time (the hop's own latency, and the durable writes it causes), then closed loops with ${CONCURRENCY} bookings in flight, each loaded phase capped at ${PHASE_MAX_MS / 1000} s (BENCH_PHASE_MAX_S). Baseline: the same ` +
    'append → subscribe hop on one `SqliteEventStore` (synchronous=FULL) with a subscriber on its category and no bus, same count and concurrency.',
  async run(progress) {
    const dataDir = mkdtempSync(join(tmpdir(), 'vgp-bench-e2e-'));
    const saved = { PORT: process.env.PORT, HOST: process.env.HOST, LOG_LEVEL: process.env.LOG_LEVEL, DATA_DIR: process.env.DATA_DIR };
    Object.assign(process.env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir });
    const closers: (() => Promise<void>)[] = [];
    try {
      progress.phase('booting the embedded platform', 1);
      // eslint-disable-next-line @nx/enforce-module-boundaries -- the benchmark boots the app it measures
      const { startEmbeddedPlatform } = await import('../../apps/platform/src/embedded-platform.js');
      const bootStarted = now();
      const platform = await startEmbeddedPlatform({ dataDir, seed: false });
      const bootMs = now() - bootStarted;
      closers.push(() => platform.close());
      progress.tick();
      const visible = new Visibility(platform.adapters.stores['replay-access'], 'inbox', inboxConsultation);
      closers.unshift(() => visible.subscription.stop());
      const base = Date.now() + 86_400_000;
      const bookingStore = platform.adapters.stores.booking;
      const single = new SqliteEventStore({ path: join(dataDir, 'baseline.events.sqlite') });
      closers.push(() => single.close());
      const singleVisible = new Visibility(single, 'consultation', consultationData);
      closers.unshift(() => singleVisible.subscription.stop());
      let n = 0; // booking numbers go on across phases, so slots never clash
      const directBooking = (store: EventStore, clinicId: string) => async () => {
        const data = booking(n++, base, clinicId);
        await store.append(`consultation-${data.consultationId}`, [bookedEvent(data)], 'no_stream');
        return data.consultationId;
      };

      // Baselines first, while the platform is idle, so no leftover work of its own (the audit chain) runs under them.
      progress.phase(`baseline: ${UNLOADED_BOOKINGS} appends one at a time`, UNLOADED_BOOKINGS);
      const unloadedBaseline = await closedLoop(UNLOADED_BOOKINGS, 1, progress, directBooking(single, 'clinic-bench-store'), singleVisible);
      progress.phase(`baseline: ${STORE_BOOKINGS} appends to one store, ${CONCURRENCY} in flight`, STORE_BOOKINGS);
      const baseline = await closedLoop(STORE_BOOKINGS, CONCURRENCY, progress, directBooking(single, 'clinic-bench-store'), singleVisible);

      // Unloaded: one booking at a time, counting the durable writes the five stores make for it.
      const writes = countWrites(Object.values(platform.adapters.stores));
      progress.phase(`${UNLOADED_BOOKINGS} bookings one at a time (store-level)`, UNLOADED_BOOKINGS);
      const unloaded = await closedLoop(UNLOADED_BOOKINGS, 1, progress, directBooking(bookingStore, 'clinic-bench-store'), visible);
      await sleep(500); // let the audit's chain and the other contexts settle before counting
      const perBooking = { appends: writes.appends / unloaded.done, checkpoints: writes.checkpoints / unloaded.done };
      writes.restore();

      // HTTP: the whole write path (auth, validation, decider, projection wait) before the hop.
      const api = new PlatformClient(platform.url);
      const token = await api.token('admin-bench', ['clinic_admin'], 'clinic-bench-http');
      let httpErrors = 0;
      progress.phase(`${HTTP_BOOKINGS} bookings over HTTP`, HTTP_BOOKINGS);
      const http = await closedLoop(
        HTTP_BOOKINGS,
        CONCURRENCY,
        progress,
        async () => {
          const i = n++;
          const { consultationId: _ignored, clinicId: _clinic, ...body } = booking(i, base, 'clinic-bench-http');
          const answer = await api.request<{ consultationId: string }>('POST', '/v1/consultations', { token, body });
          if (answer.status !== 201) {
            httpErrors++;
            throw new Error(`booking ${i} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
          }
          return answer.body.consultationId;
        },
        visible,
      );

      progress.phase(`${STORE_BOOKINGS} bookings appended to the booking store`, STORE_BOOKINGS);
      const direct = await closedLoop(STORE_BOOKINGS, CONCURRENCY, progress, directBooking(bookingStore, 'clinic-bench-store'), visible);

      const rate = (s: Sample) => (s.done / s.ms) * 1000;
      const rows = (s: Sample, b: Sample) => [
        row('p50 booking → visible in replay-access', percentile(s.latencies, 50), percentile(b.latencies, 50), 'ms', false),
        row('p99 booking → visible in replay-access', percentile(s.latencies, 99), percentile(b.latencies, 99), 'ms', false),
        row('bookings/s through the hop', rate(s), rate(b), '/s', true),
        infoRow('bookings measured', s.done.toLocaleString('en-US'), b.done.toLocaleString('en-US')),
      ];
      return {
        tables: [
          {
            title: 'Written to the booking store, one at a time (the hop with no queue)',
            resultLabel: 'embedded platform',
            baselineLabel: 'one store, no bus',
            rows: [
              ...rows(unloaded, unloadedBaseline),
              infoRow(
                'durable writes per booking, all five stores (event appends + checkpoint writes)',
                `${perBooking.appends.toFixed(1)} + ${perBooking.checkpoints.toFixed(1)}`,
                '1 + 0',
              ),
            ],
          },
          {
            title: `Written over HTTP (POST /v1/consultations), ${CONCURRENCY} in flight`,
            resultLabel: 'embedded platform',
            baselineLabel: 'one store, no bus',
            rows: rows(http, baseline),
          },
          {
            title: `Written to the booking store (adapters.stores.booking.append), ${CONCURRENCY} in flight`,
            resultLabel: 'embedded platform',
            baselineLabel: 'one store, no bus',
            rows: rows(direct, baseline),
          },
        ],
        notes: [
          `Embedded platform boot (no seed): ${Math.round(bootMs)} ms. HTTP errors: ${httpErrors}.`,
          ...(http.done < HTTP_BOOKINGS || direct.done < STORE_BOOKINGS || baseline.done < STORE_BOOKINGS
            ? [
                `A phase hit its ${PHASE_MAX_MS / 1000} s cap; the percentiles are over the bookings that completed (see "bookings measured").`,
              ]
            : []),
        ],
      };
    } finally {
      for (const close of closers) await close().catch(() => undefined);
      Object.assign(process.env, saved);
      for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
