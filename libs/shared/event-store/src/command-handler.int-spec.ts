import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventMetadata } from '@vgp/contracts';
import { ConcurrencyConflict } from '@vgp/domain';
import { handleCommand } from './command-handler.js';
import { type EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.adapter.js';

type Counted = { type: 'Counted'; data: { by: number } };
const counter = { evolve: (total: number, e: Counted) => total + e.data.by, initialState: () => 0 };
const metadata: EventMetadata = {
  actor: { id: 'u-1', role: 'patient' },
  correlationId: 'corr-1',
  causationId: null,
  softwareVersion: '1.0.0',
  featureFlags: [],
};
const at = new Date('2030-01-01T10:00:00.000Z');

describe('the one command handler', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-command-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (streamId: string, by: number, onDecide?: () => Promise<void>, maxAttempts?: number) =>
    handleCommand<Counted, number>(store, {
      streamId,
      ...counter,
      decide: async () => {
        await onDecide?.();
        return [{ type: 'Counted', data: { by } }];
      },
      metadata,
      occurredAt: at,
      maxAttempts,
    });

  it('decides on the state folded from the stream and appends with the metadata and time of the request', async () => {
    const stream = `count-${randomUUID()}`;
    await add(stream, 2);
    const result = await add(stream, 3);
    expect(result).toMatchObject({ before: 2, state: 5, events: [{ type: 'Counted', data: { by: 3 } }] });
    const stored = await store.readStream(stream);
    expect(stored.map((e) => [e.revision, e.occurredAt, e.actor.id, e.correlationId])).toEqual([
      [0, at.toISOString(), 'u-1', 'corr-1'],
      [1, at.toISOString(), 'u-1', 'corr-1'],
    ]);
  });

  it('runs the whole command again on the new state when another writer got in between', async () => {
    const stream = `count-${randomUUID()}`;
    let interfered = false;
    const result = await add(stream, 1, async () => {
      if (interfered) return;
      interfered = true;
      await append(store, stream, 10);
    });
    expect(result.before).toBe(10);
    expect(result.state).toBe(11);
    expect((await store.readStream(stream)).length).toBe(2);
  });

  it('gives up with one defined outcome, ConcurrencyConflict, when others keep winning', async () => {
    const stream = `count-${randomUUID()}`;
    const attempt = add(stream, 1, () => append(store, stream, 1), 3);
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflict);
    await expect(attempt).rejects.toMatchObject({ code: 'concurrent-update', kind: 'conflict' });
    // Three interfering writes, and nothing of ours.
    expect((await store.readStream(stream)).map((e) => (e.data as { by: number }).by)).toEqual([1, 1, 1]);
  });

  it('appends nothing when the decision is empty (an idempotent repeat)', async () => {
    const stream = `count-${randomUUID()}`;
    const result = await handleCommand<Counted, number>(store, {
      streamId: stream,
      ...counter,
      decide: () => [],
      metadata,
      occurredAt: at,
    });
    expect(result.events).toEqual([]);
    expect(await store.readStream(stream)).toEqual([]);
  });
});

const append = async (store: EventStore, stream: string, by: number) => {
  await store.append(stream, [{ id: randomUUID(), type: 'Counted', data: { by }, metadata }], 'any');
};
