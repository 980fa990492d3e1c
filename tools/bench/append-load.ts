/** The load both event-store append benchmarks drive: one-event appends from closed-loop appenders. */
import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@vgp/contracts';
import type { NewEvent } from '@vgp/event-store';
import { now } from './lib.js';

const STREAMS = 1_000;

const metadata: EventMetadata = {
  correlationId: 'bench-correlation',
  causationId: null,
  actor: { id: 'admin-bench', role: 'clinic_admin' },
  softwareVersion: '0.1.0-bench',
  featureFlags: ['media-switch'],
};

export const bookedEvent = (i: number): NewEvent => ({
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

export const streamOf = (i: number) => `consultation-${i % STREAMS}`;

/** What one slice measured: per-append latencies (ms), events written and the time it took. */
export type Sample = { latencies: number[]; events: number; ms: number };
export const emptySample = (): Sample => ({ latencies: [], events: 0, ms: 0 });
export const rate = (s: Sample) => (s.events / s.ms) * 1000;

/**
 * `concurrency` closed-loop appenders: each awaits its append, then starts the next, until the slice ends.
 * Latency is the time of one `await append(...)`.
 */
export const closedLoop = async (
  append: (i: number) => Promise<unknown>,
  concurrency: number,
  sample: Sample,
  first: number,
  sliceMs: number,
  maxEvents: number,
): Promise<number> => {
  const started = now();
  let n = 0;
  const appender = async () => {
    while (n < maxEvents && now() - started < sliceMs) {
      const i = first + n++;
      const t0 = now();
      await append(i);
      sample.latencies.push(now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, appender));
  sample.ms += now() - started;
  sample.events += n;
  return first + n;
};
