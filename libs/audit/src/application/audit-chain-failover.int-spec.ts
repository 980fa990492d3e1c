import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { EventMetadata } from '@vgp/contracts';
import { type EventStore, type EventProcessor, LeaseLost, WrongExpectedRevision, type WriterLeases } from '@vgp/event-store';
import { migratePostgresEventStore, PostgresEventStore } from '@vgp/event-store/postgres';
import { AppConfig, EventMetadataFactory, HealthRegistry, parseAppConfig } from '@vgp/platform';
import { eventually, type PostgresEndpoint, testServices } from '@vgp/testing';
import { AUDIT_STREAM, type AuditEntry, entryEventId, type Sha256, verifyChain } from '../domain/audit-chain.js';
import { AuditChainAppender } from './audit-chain.appender.js';
import { AUDIT_CHAIN_LEASE, AuditChainWriterLease } from './audit-chain-writer.lease.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';

// Two audit replicas (each its own store and pool, as two processes have) over one PostgreSQL schema. No assertion
// rests on timing: a TTL of 6 s is far above anything the test does between a grant and the check that follows it.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const TTL_MS = 6_000;
const RENEW_MS = 1_000;
const sha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const metadata: EventMetadata = {
  correlationId: 'corr-1',
  causationId: null,
  actor: { id: 'patient-ben', role: 'patient', clinicId: 'clinic-1' },
  softwareVersion: '2.4.0',
  featureFlags: [],
};

const services = testServices();
let endpoint: PostgresEndpoint;
const schema = `audit_lease_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const opened: PostgresEventStore[] = [];
const running: EventProcessor[] = [];

const open = () => {
  const store = new PostgresEventStore({ connectionString: endpoint.appUrl, schema, poolSize: 3, pollIntervalMs: 200 });
  opened.push(store);
  return store;
};

beforeAll(async () => {
  endpoint = await services.postgres();
  await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
});
afterEach(async () => {
  for (const processor of running.splice(0)) await processor.stop();
  for (const store of opened.splice(0)) await store.close();
});
afterAll(async () => {
  if (endpoint) {
    const client = new Client({ connectionString: endpoint.ownerUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
  }
  await services.stop();
});

/** An inbox copy of a replay access, as the inbox appends it. */
const received = async (store: EventStore): Promise<string> => {
  const id = randomUUID();
  const data = { viewerId: 'patient-ben', recordingId: `rec-${id}`, patientId: null, reason: 'not_found', operation: 'grant' };
  await store.append(`inbox-${id}`, [{ id, type: 'ReplayDenied', data, occurredAt: '2026-03-01T09:00:00.000Z', metadata }], 'no_stream');
  return id;
};

const chain = async (store: EventStore): Promise<AuditEntry[]> => (await store.readStream(AUDIT_STREAM)).map((e) => e.data as AuditEntry);

/** One audit replica: its own store, lease and appender, as the audit module wires them. */
const replica = async (store: PostgresEventStore, leases: WriterLeases = store) => {
  const config = new AppConfig(parseAppConfig({ NODE_ENV: 'test' }), {
    AUDIT_WRITER_LEASE_TTL_MS: String(TTL_MS),
    AUDIT_WRITER_LEASE_RENEW_MS: String(RENEW_MS),
  });
  const health = new HealthRegistry();
  const lease = new AuditChainWriterLease(leases, health, config);
  lease.onModuleInit();
  const noCheckpoints = { checkpoint: async () => undefined } as unknown as AuditCheckpointWriter;
  const appender = new AuditChainAppender(
    store,
    sha256,
    () => new Date('2026-03-01T12:00:00.000Z'),
    new EventMetadataFactory(config, { serviceName: 'audit' }),
    noCheckpoints,
    lease,
    config,
  );
  const processor = appender.processor({});
  running.push(processor);
  await processor.start();
  const readiness = async () => {
    const check = health.entries().find(([name]) => name === AUDIT_CHAIN_LEASE)?.[1];
    return (await check?.()) as { up: boolean; role: string; epoch: number | null };
  };
  return { appender, processor, lease, readiness };
};

describe('the audit chain writer lease on PostgreSQL', () => {
  it('goes to exactly one of two racing replicas, to the other once the holder stops renewing and it expires, and fences off the old holder', async () => {
    const [a, b] = [open(), open()];
    for (let round = 0; round < 10; round++) {
      const name = `race-${round}`;
      const grants = await Promise.all([a.acquire(name, 'replica-a', TTL_MS), b.acquire(name, 'replica-b', TTL_MS)]);
      expect(grants.filter(Boolean)).toHaveLength(1);
    }

    const first = await a.acquire('takeover', 'replica-a', TTL_MS);
    expect(first).toEqual({ token: 1, ttlMs: TTL_MS });
    // Renewed by its holder: same epoch; refused to the other while it runs.
    expect(await a.acquire('takeover', 'replica-a', TTL_MS)).toEqual({ token: 1, ttlMs: TTL_MS });
    expect(await b.acquire('takeover', 'replica-b', TTL_MS)).toBeNull();

    // replica-a stops renewing: replica-b gets the lease after it expires, at the next epoch, and a's renewal is refused.
    const taken = await eventually(async () => {
      const grant = await b.acquire('takeover', 'replica-b', TTL_MS);
      expect(grant).not.toBeNull();
      return grant;
    }, 30_000);
    expect(taken).toEqual({ token: 2, ttlMs: TTL_MS });
    expect(await a.acquire('takeover', 'replica-a', TTL_MS)).toBeNull();

    // Fencing: a's append under its old token is refused, though nothing else was written since; b's goes in.
    const write = (holder: string, token: number) =>
      (holder === 'replica-a' ? a : b).append('fenced-1', [{ id: randomUUID(), type: 'Written', data: { holder }, metadata }], 'any', {
        fence: { lease: 'takeover', holder, token },
      });
    await expect(write('replica-a', 1)).rejects.toBeInstanceOf(LeaseLost);
    await expect(write('replica-b', 2)).resolves.toMatchObject({ nextExpectedRevision: 0 });
    expect((await a.readStream('fenced-1')).map((event) => event.data)).toEqual([{ holder: 'replica-b' }]);
  });

  it('refuses a deposed writer its late append: the chain keeps one entry per source, no fork, no gap', async () => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const storeA = open();
    // Replica A's link to the lease row can be cut (a network partition): its renewals fail and its grant runs out.
    let partitioned = false;
    const leasesA: WriterLeases = {
      acquire: (...args) => (partitioned ? Promise.reject(new Error('partitioned')) : storeA.acquire(...args)),
      release: (...args) => storeA.release(...args),
    };
    // And its appends to the chain can be held in flight (a writer paused mid-append): `pausing` holds the next one.
    let pausing = false;
    let resume = (): void => undefined;
    let reached = (): void => undefined;
    let lateAppend: Promise<unknown> = Promise.resolve();
    const appendA = storeA.append.bind(storeA);
    storeA.append = async (streamId, events, expected, options) => {
      if (streamId === AUDIT_STREAM && pausing) {
        pausing = false;
        await new Promise<void>((release) => {
          resume = release;
          reached();
        });
        const landing = appendA(streamId, events, expected, options);
        lateAppend = landing.then(
          () => 'answered as already stored',
          (error: unknown) => error,
        );
        return landing;
      }
      return appendA(streamId, events, expected, options);
    };

    const before = [await received(storeA), await received(storeA)];
    const a = await replica(storeA, leasesA);
    const b = await replica(open());
    expect(await a.readiness()).toEqual({ up: true, role: 'writer', epoch: 1 });
    expect(await b.readiness()).toEqual({ up: true, role: 'standby', epoch: null });
    expect((await chain(storeA)).map((entry) => entry.sourceEventId)).toEqual(before);

    // A decides the next entry and is paused before its append lands; meanwhile it loses the lease.
    const held = new Promise<void>((resolve) => (reached = resolve));
    pausing = true;
    const late = await received(storeA);
    await held;
    partitioned = true;

    // B takes over once A's grant expires, chains the event A was holding, and what comes after.
    await eventually(async () => expect((await b.readiness()).role).toBe('writer'), 30_000);
    expect((await b.readiness()).epoch).toBe(2);
    const after = [await received(storeA), await received(storeA)];
    await eventually(
      async () => expect((await chain(storeA)).map((entry) => entry.sourceEventId)).toEqual([...before, late, ...after]),
      30_000,
    );
    expect((await a.readiness()).role).toBe('standby');

    // A wakes up and its late append lands, under the lease token it was granted: the store refuses it, although
    // B chained that very entry there; A stands by and follows B's chain.
    resume();
    await eventually(async () => expect(await lateAppend).toBeInstanceOf(LeaseLost), 30_000);
    // Without a fence, an entry at a revision that has moved on is refused too.
    const other = { id: randomUUID(), type: 'AuditEntryRecorded', data: { seq: before.length + 1 }, metadata };
    await expect(appendA(AUDIT_STREAM, [other], before.length - 1)).rejects.toBeInstanceOf(WrongExpectedRevision);
    await eventually(async () => expect(a.appender.head()).toEqual(b.appender.head()), 30_000);

    const entries = await chain(storeA);
    expect(entries.map((entry) => entry.sourceEventId)).toEqual([...before, late, ...after]);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await storeA.readStream(AUDIT_STREAM)).map((event) => event.id)).toEqual(
      entries.map((entry) => entryEventId(sha256, entry.sourceEventId)),
    );
    expect(verifyChain(entries, sha256)).toMatchObject({ ok: true, entries: 5 });
  });
});
