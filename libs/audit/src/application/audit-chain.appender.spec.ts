import type { Mock } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { EventMetadata } from '@vgp/contracts';
import { EventProcessor, singleProcessLeases, SqliteEventStore } from '@vgp/event-store';
import { AppConfig, EventMetadataFactory, HealthRegistry, parseAppConfig } from '@vgp/platform';
import { AUDIT_STREAM, type AuditEntry, entryEventId, type Sha256 } from '../domain/audit-chain.js';
import { AuditChainAppender } from './audit-chain.appender.js';
import { type ChainHead } from './audit-chain-head.port.js';
import { AuditChainWriterLease } from './audit-chain-writer.lease.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';

const sha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const NOW = new Date('2026-03-01T12:00:00.000Z');
const metadata: EventMetadata = {
  correlationId: 'corr-1',
  causationId: null,
  actor: { id: 'patient-ben', role: 'patient' },
  softwareVersion: '2.4.0',
  featureFlags: [],
};

describe('the audit chain appender', () => {
  let dir: string;
  let store: SqliteEventStore;
  const running: EventProcessor[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-audit-appender-'));
    store = new SqliteEventStore({ path: join(dir, 'audit.sqlite'), pollIntervalMs: 20 });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const processor of running.splice(0)) await processor.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An inbox copy of an integration event, as the inbox appends it. */
  const received = async (
    data: Record<string, unknown> = {
      viewerId: 'patient-ben',
      recordingId: 'rec-1',
      patientId: null,
      reason: 'not_found',
      operation: 'grant',
    },
  ) => {
    const id = randomUUID();
    await store.append(`inbox-${id}`, [{ id, type: 'ReplayDenied', data, occurredAt: '2026-03-01T09:00:00.000Z', metadata }], 'no_stream');
    return id;
  };

  const start = async (
    options: { every?: number; hash?: Sha256; checkpoint?: (head: ChainHead) => Promise<unknown>; stopped?: Mock } = {},
  ) => {
    const config = parseAppConfig({ NODE_ENV: 'test' });
    const writer = { checkpoint: options.checkpoint ?? (async () => undefined) } as unknown as AuditCheckpointWriter;
    const appender = new AuditChainAppender(
      store,
      options.hash ?? sha256,
      () => NOW,
      new EventMetadataFactory(new AppConfig(config, {}), { serviceName: 'audit' }),
      writer,
      new AuditChainWriterLease(singleProcessLeases, new HealthRegistry(), new AppConfig(config, {})),
      new AppConfig(config, { AUDIT_CHECKPOINT_EVERY: String(options.every ?? 100) }),
    );
    const processor = appender.processor({ stopped: options.stopped });
    running.push(processor);
    await processor.start();
    return { appender, processor };
  };

  const chain = async (): Promise<{ id: string; entry: AuditEntry; occurredAt: string }[]> =>
    (await store.readStream(AUDIT_STREAM)).map((event) => ({
      id: event.id,
      entry: event.data as AuditEntry,
      occurredAt: event.occurredAt,
    }));

  it('chains each inbox event once, in store order, and continues the chain after a restart', async () => {
    const first = [await received(), await received(), await received()];
    const { processor } = await start();
    expect((await chain()).map(({ entry }) => [entry.seq, entry.sourceEventId])).toEqual(first.map((id, i) => [i + 1, id]));
    expect((await chain()).map(({ id, occurredAt }) => [id, occurredAt])).toEqual(
      first.map((id) => [entryEventId(sha256, id), NOW.toISOString()]),
    );
    await processor.stop();

    const later = await received();
    const restarted = await start();
    const entries = await chain();
    expect(entries.map(({ entry }) => entry.sourceEventId)).toEqual([...first, later]);
    expect(restarted.appender.head()).toEqual({ seq: 4, headHash: entries[3].entry.hash });
  });

  it('signs a checkpoint every N entries, and retries one that failed with the next entry', async () => {
    const heads: number[] = [];
    let failures = 1;
    const checkpoint = async (head: ChainHead) => {
      heads.push(head.seq);
      if (failures-- > 0) throw new Error('store busy');
    };
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    for (let i = 0; i < 5; i++) await received();
    await start({ every: 2, checkpoint });
    expect(heads).toEqual([2, 3, 4]);
  });

  it('stops at an event it cannot chain instead of skipping it, and says so', async () => {
    const poison = 'poison-recording';
    const failing: Sha256 = (text) => {
      if (text.includes(poison)) throw new Error('cannot hash');
      return sha256(text);
    };
    const before = await received();
    const bad = await received({ viewerId: 'patient-ben', recordingId: poison, patientId: null, reason: 'not_found', operation: 'grant' });
    await received();
    const stopped = vi.fn();
    const { processor } = await start({ hash: failing, stopped }).catch((error: unknown) => {
      throw new Error(`start failed: ${String(error)}`);
    });
    expect(processor.status).toBe('failed');
    expect(processor.stoppedAt?.eventId).toBe(bad);
    expect(stopped).toHaveBeenCalledWith('audit-chain', expect.objectContaining({ eventId: bad }));
    expect((await chain()).map(({ entry }) => entry.sourceEventId)).toEqual([before]);
  });
});
