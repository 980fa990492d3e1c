import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { EventStore } from '@vgp/event-store';
import { migratePostgresEventStore, PostgresEventStore } from '@vgp/event-store/postgres';
import { type BookingFact, type BookingFactEvent, evolveBookingFact } from '@vgp/contracts';
import { ContextTestApp, eventually, PlatformClient, type PostgresEndpoint, testServices } from '@vgp/testing';
import { BookingModule } from '../booking.module.js';
import type { BookedConsultation } from '../domain/consultation.decider.js';

// 200 conflicting booking requests, all at once, against the booking service: split across two replicas (each its
// own OS process) over one PostgreSQL event store, and against one process over SQLite. The requests fall into
// groups whose members all overlap for one person (and never for anyone else), so exactly one of each group may
// succeed, whatever the order: the right answer is known before the race. It is checked from the stored events.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const CLINIC = 'clinic-race';
const REQUESTS = 200;

type Wanted = { patientId: string; clinicianId: string; startsAt: string; durationMinutes: number; mode: 'video' };
type Request = { group: string; wanted: Wanted; refusal: 'clinician-double-booked' | 'patient-double-booked' };

/**
 * 16 groups of 8 requests for one clinician at one time (each with its own patient), 16 groups of 4 for one patient
 * at one time (each with its own clinician), one of each kind of group at 23:50 across midnight, and 8 back-to-back
 * bookings that all fit. Starts within a group are 0, 5 or 10 minutes apart and last 20 minutes, so all overlap.
 */
function raceRequests(): { requests: Request[]; allowed: number } {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const base = day.getTime() + 3 * 86_400_000;
  const slots = [9 * 60, 10 * 60, 11 * 60, 23 * 60 + 50].map((minute) => base + minute * 60_000);
  const at = (ms: number) => new Date(ms).toISOString();
  const requests: Request[] = [];
  const wanted = (patientId: string, clinicianId: string, start: number): Wanted => ({
    patientId,
    clinicianId,
    startsAt: at(start),
    durationMinutes: 20,
    mode: 'video',
  });
  for (let c = 0; c < 4; c++)
    slots.forEach((slot, s) => {
      for (let i = 0; i < 8; i++) {
        const start = slot + (i % 3) * 5 * 60_000;
        requests.push({ group: `dr-${c}@${s}`, wanted: wanted(`p-${c}-${s}-${i}`, `dr-${c}`, start), refusal: 'clinician-double-booked' });
      }
    });
  for (let p = 0; p < 4; p++)
    slots.forEach((slot, s) => {
      for (let i = 0; i < 4; i++) {
        const start = slot + (i % 3) * 5 * 60_000;
        requests.push({ group: `pt-${p}@${s}`, wanted: wanted(`pt-${p}`, `dr-q-${p}-${s}-${i}`, start), refusal: 'patient-double-booked' });
      }
    });
  for (let i = 0; i < 8; i++) {
    requests.push({
      group: `free-${i}`,
      wanted: wanted(`single-${i}`, 'dr-free', base + (14 * 60 + 20 * i) * 60_000),
      refusal: 'clinician-double-booked',
    });
  }
  // Deterministic interleaving, so neighbours in the list are from different groups.
  const shuffled = requests.map((r, i) => ({ r, key: (i * 7919) % requests.length })).sort((a, b) => a.key - b.key);
  return { requests: shuffled.map(({ r }) => r), allowed: new Set(requests.map((r) => r.group)).size };
}

type Answer = { status: number; body: { consultationId?: string; type?: string } };

const overlap = (a: BookedConsultation, b: BookedConsultation) => {
  const [aStart, bStart] = [Date.parse(a.startsAt), Date.parse(b.startsAt)];
  return aStart < bStart + b.durationMinutes * 60_000 && bStart < aStart + a.durationMinutes * 60_000;
};
const sharePerson = (a: BookedConsultation, b: BookedConsultation) => {
  const people = new Set([a.patientId, a.clinicianId]);
  return people.has(b.patientId) || people.has(b.clinicianId);
};

/** Exactly one booking per group, the others refused with the group's overlap problem, and no overlapping pair stored. */
async function expectExactlyTheAllowed(requests: Request[], answers: Answer[], allowed: number, store: EventStore) {
  expect(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => `${a.status} ${a.body.type}`)).toEqual([]);
  const byGroup = new Map<string, Answer[]>();
  requests.forEach((r, i) => byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), answers[i]]));
  for (const [group, inGroup] of byGroup) expect([group, inGroup.filter((a) => a.status === 201).length]).toEqual([group, 1]);
  requests.forEach((r, i) => {
    if (answers[i].status === 409) expect(answers[i].body.type).toContain(r.refusal);
  });

  const booked = (await store.readAll({ categories: ['consultation'] }))
    .filter((e) => e.type === 'ConsultationBooked')
    .map((e) => e.data as BookedConsultation);
  const acknowledged = answers.filter((a) => a.status === 201).map((a) => a.body.consultationId);
  expect(booked.map((b) => b.consultationId).sort()).toEqual([...acknowledged].sort());
  expect(booked).toHaveLength(allowed);
  const clashes = booked.flatMap((a, i) =>
    booked
      .slice(i + 1)
      .filter((b) => sharePerson(a, b) && overlap(a, b))
      .map((b) => [a, b]),
  );
  expect(clashes).toEqual([]);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('booking races across two replicas over one PostgreSQL event store', () => {
  const services = testServices();
  const run = `booking-race-${randomUUID().slice(0, 8)}`;
  const schema = `booking_race_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const dataDir = mkdtempSync(join(tmpdir(), `vgp-${run}-`));
  const replicas: { process: ChildProcess; client: PlatformClient; exited: Promise<void>; output: string[] }[] = [];
  let endpoint: PostgresEndpoint;
  let brokers: string[];
  let store: PostgresEventStore;

  beforeAll(async () => {
    endpoint = await services.postgres();
    brokers = (await services.kafka()).brokers;
    await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
    store = new PostgresEventStore({ connectionString: endpoint.appUrl, schema });
    const jwtSecret = randomBytes(32).toString('base64url');
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      // Plain Node options: the test runner's are not the service's.
      const { NODE_OPTIONS: _testRunnerOnly, ...inherited } = process.env;
      const child = spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', join('apps', 'booking-service', 'src', 'main.ts')],
        {
          cwd: process.cwd(),
          env: {
            ...inherited,
            NODE_ENV: 'test',
            LOG_LEVEL: 'warn',
            HOST: '127.0.0.1',
            PORT: String(port),
            DATA_DIR: join(dataDir, `replica-${i}`),
            JWT_SECRET: jwtSecret,
            SOFTWARE_VERSION: 'booking-race-1',
            KAFKA_BROKERS: brokers.join(','),
            KAFKA_NAMESPACE: run,
            EVENTSTORE_URL: endpoint.appUrl,
            EVENTSTORE_STREAM_PREFIX: schema,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // Kept to explain a replica that never gets ready, not printed otherwise.
      const output: string[] = [];
      const keep = (chunk: Buffer) => {
        output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        output.splice(0, Math.max(0, output.length - 30));
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      replicas.push({ process: child, client: new PlatformClient(`http://127.0.0.1:${port}`), exited, output });
    }
    for (const { client, process: child, output } of replicas) {
      await eventually(
        async () => {
          if (child.exitCode !== null) return;
          const ready = await fetch(new URL('/health/ready', client.baseUrl));
          if (!ready.ok) throw new Error(`not ready: ${ready.status}`);
        },
        120_000,
        250,
      ).catch((error: unknown) => {
        throw new Error(`booking replica not ready: ${String(error)}\n${output.join('\n')}`);
      });
      if (child.exitCode !== null) throw new Error(`booking replica exited (${child.exitCode}):\n${output.join('\n')}`);
    }
  });

  afterAll(async () => {
    for (const { process: child, exited } of replicas) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    await store?.close();
    if (endpoint) {
      const owner = new Client({ connectionString: endpoint.ownerUrl });
      await owner.connect();
      await owner.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => owner.end());
    }
    if (brokers) await deleteTopics(brokers, `${run}.`).catch(() => undefined);
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('books exactly the allowed ones of 200 conflicting requests split across the replicas, and stores no overlap', async () => {
    const { requests, allowed } = raceRequests();
    expect(requests).toHaveLength(REQUESTS);
    const token = await replicas[0].client.token('admin-race', ['clinic_admin'], CLINIC);
    const answers = await Promise.all(
      requests.map(async ({ wanted }, i) => {
        const answer = await replicas[i % 2].client.request('POST', '/v1/consultations', { token, body: wanted });
        return { status: answer.status, body: answer.body as Answer['body'] };
      }),
    );
    await expectExactlyTheAllowed(requests, answers, allowed, store);
  });

  it('lets exactly one of reschedules and bookings racing for one clinician’s time across the replicas have it', async () => {
    const token = await replicas[1].client.token('admin-race', ['clinic_admin'], CLINIC);
    const day = Date.parse(raceRequests().requests[0].wanted.startsAt) + 86_400_000;
    const at = (minute: number) => new Date(day + minute * 60_000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const body = { patientId: `m-${i}`, clinicianId: 'dr-move', startsAt: at(8 * 60 + 30 * i), durationMinutes: 20, mode: 'video' };
      const answer = await replicas[i % 2].client.request('POST', '/v1/consultations', { token, body });
      expect(answer.status).toBe(201);
      ids.push((answer.body as { consultationId: string }).consultationId);
    }
    const target = 14 * 60;
    const answers = await Promise.all([
      ...ids.map((id, i) =>
        replicas[i % 2].client.request('POST', `/v1/consultations/${id}/reschedule`, {
          token,
          body: { startsAt: at(target + (i % 3) * 5), durationMinutes: 20 },
        }),
      ),
      ...ids.map((_, i) =>
        replicas[(i + 1) % 2].client.request('POST', '/v1/consultations', {
          token,
          body: { patientId: `n-${i}`, clinicianId: 'dr-move', startsAt: at(target + (i % 3) * 5), durationMinutes: 20, mode: 'video' },
        }),
      ),
    ]);
    expect(answers.filter((a) => a.status === 200 || a.status === 201)).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 200 && a.status !== 201)) {
      expect([refused.status, (refused.body as { type: string }).type]).toEqual([409, expect.stringContaining('clinician-double-booked')]);
    }

    const facts = new Map<string, BookingFact | null>();
    for (const event of await store.readAll({ categories: ['consultation'] })) {
      const id = (event.data as { consultationId: string }).consultationId;
      facts.set(id, evolveBookingFact(facts.get(id) ?? null, { type: event.type, data: event.data } as BookingFactEvent));
    }
    const moving = [...facts.values()].filter((f): f is BookingFact => f?.clinicianId === 'dr-move' && f.status === 'booked');
    // A new booking that won adds one; a reschedule that won only moves one.
    expect(moving).toHaveLength(answers.some((a) => a.status === 201) ? 7 : 6);
    expect(moving.filter((f) => Date.parse(f.startsAt) >= day + target * 60_000)).toHaveLength(1);
    const clashes = moving.flatMap((a, i) => moving.slice(i + 1).filter((b) => overlap(a, b)));
    expect(clashes).toEqual([]);
  });
});

describe('booking races in one process over SQLite', () => {
  let booking: ContextTestApp;

  beforeAll(async () => {
    booking = await ContextTestApp.start({ serviceName: 'booking', context: (adapters) => BookingModule.forRoot(adapters) });
  });
  afterAll(() => booking?.close());

  it('books exactly the allowed ones of 200 conflicting requests made at once, and stores no overlap', async () => {
    const { requests, allowed } = raceRequests();
    const token = await booking.token('admin-race', 'clinic_admin', CLINIC);
    const answers = await Promise.all(
      requests.map(async ({ wanted }) => {
        const answer = await booking.request('POST', '/v1/consultations', { as: token, body: wanted });
        return { status: answer.status, body: answer.body as Answer['body'] };
      }),
    );
    await expectExactlyTheAllowed(requests, answers, allowed, booking.eventStore);
  });
});

/** This run's topics (the outbox publishes each booking), so repeated runs leave the shared broker as they found it. */
async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'booking-race-cleanup', brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
