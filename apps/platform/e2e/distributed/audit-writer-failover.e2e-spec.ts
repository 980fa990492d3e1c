import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TOPICS } from '@vgp/contracts';
import { KafkaMessageBus } from '@vgp/messaging/kafka';
import { NamespacedMessageBus, postgresSchemaOf } from '@vgp/runtime';
import { aConsultationCompleted, eventually, PlatformClient } from '@vgp/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite drives the dev tool itself
import { devJwtSecret, type ServiceProcess, startServiceReplica } from '../../../../tools/distributed/platform.js';
import { localServers } from './distributed-test-platform.js';
import { duplicatesOf, sleep } from './traffic.js';

/**
 * Two audit-service processes on one PostgreSQL schema and one Kafka consumer group: one holds the chain's writer
 * lease, the other stands by. The writer is killed with SIGKILL in the middle of a stream of integration events;
 * the standby takes over and every event is chained exactly once, with no fork and no gap (ADR 0033).
 * Needs `tools/services/up` (Kafka, PostgreSQL).
 */
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

type Readiness = { status: string; info?: Record<string, { status: string; role?: string; epoch?: number | null }> };
type ChainRow = { revision: string; data: { seq: number; sourceEventId: string } };

describe('distributed: the audit chain writer killed mid-stream', () => {
  const run = `e2e-auditlease-${randomUUID().slice(0, 8)}`;
  const baseDir = mkdtempSync(join(tmpdir(), `vgp-${run}-`));
  const replicas: (ServiceProcess & { closeLog(): Promise<void> })[] = [];
  let env: Record<string, string>;
  let bus: NamespacedMessageBus;

  const chain = () =>
    withPostgres(env.EVENTSTORE_MIGRATION_URL, async (db) => {
      const schema = postgresSchemaOf('audit', { KAFKA_NAMESPACE: run });
      const { rows } = await db.query<ChainRow>(
        `SELECT revision, data FROM ${schema}.events WHERE stream_id = 'auditlog-main' ORDER BY revision`,
      );
      return rows.map((row) => row.data);
    });

  const readiness = async (replica: ServiceProcess) => {
    const answer = await fetch(`${replica.url}/health/ready`);
    const body = (await answer.json()) as Readiness;
    return { status: answer.status, role: body.info?.['audit-chain-writer']?.role };
  };

  beforeAll(async () => {
    const servers = await localServers();
    env = {
      ...servers,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      JWT_SECRET: devJwtSecret(),
      KAFKA_NAMESPACE: run,
      // Both replicas sign checkpoints with the deployment's one key, as production does.
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      AUDIT_CHECKPOINT_EVERY: '25',
      AUDIT_WRITER_LEASE_TTL_MS: '3000',
      AUDIT_WRITER_LEASE_RENEW_MS: '500',
    };
    bus = new NamespacedMessageBus(new KafkaMessageBus({ brokers: env.KAFKA_BROKERS.split(','), clientId: `${run}-feed` }), run);
    for (const name of ['a', 'b']) replicas.push(await startServiceReplica('audit', name, { baseDir, env, readyTimeoutMs: 120_000 }));
  });

  afterAll(async () => {
    await bus?.close();
    await Promise.allSettled(replicas.map((replica) => replica.kill('SIGTERM')));
    await Promise.all(replicas.map((replica) => replica.closeLog()));
    if (env) {
      await withPostgres(env.EVENTSTORE_MIGRATION_URL, (db) =>
        db.query(`DROP SCHEMA IF EXISTS ${postgresSchemaOf('audit', { KAFKA_NAMESPACE: run })} CASCADE`),
      ).catch(() => undefined);
    }
    if (process.env.KEEP_E2E_DATA !== '1') rmSync(baseDir, { recursive: true, force: true });
  });

  it('kill -9 of the writer during 300 events: the standby takes over and chains each event exactly once; verify is ok', async () => {
    const roles = await Promise.all(replicas.map(readiness));
    expect(roles.map((r) => r.status)).toEqual([200, 200]);
    expect(roles.map((r) => r.role).sort()).toEqual(['standby', 'writer']);
    const writer = replicas[roles.findIndex((r) => r.role === 'writer')];
    const standby = replicas[roles.findIndex((r) => r.role === 'standby')];

    const total = 300;
    const sent: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; i < total; i++) {
      const event = aConsultationCompleted({ consultationId: `c-${run}-${i}` });
      await bus.publish(TOPICS.consultation, [{ key: event.data.consultationId, event }]);
      sent.push(event.id);
      // Once the writer has chained part of the stream, it dies without a word: its lease is left to expire.
      if (i === 100) {
        await eventually(async () => expect((await chain()).length).toBeGreaterThan(50), 60_000, 200);
        killed = writer.kill('SIGKILL');
      }
      // Paced, so events keep arriving while the lease expires and the standby takes over.
      await sleep(15);
    }
    await killed;

    const chained = await eventually(
      async () => {
        const entries = await chain();
        expect(entries.length).toBeGreaterThanOrEqual(total);
        return entries;
      },
      120_000,
      500,
    );
    const ids = chained.map((entry) => entry.sourceEventId);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(sent));
    expect(chained.map((entry) => entry.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(await readiness(standby)).toEqual({ status: 200, role: 'writer' });

    const api = new PlatformClient(standby.url);
    const officer = await api.token('officer-1', ['compliance_officer'], 'clinic-1');
    const verified = await api.request<{ ok: boolean; entries: number; checkpoints: { verified: number } }>('GET', '/v1/audit/verify', {
      token: officer,
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, entries: total });
    expect(verified.body.checkpoints.verified).toBeGreaterThan(0);
  });
});

const withPostgres = async <T>(url: string, work: (db: Client) => Promise<T>): Promise<T> => {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
};
