import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventMetadata } from '@vgp/contracts';
import { EventProcessor, type EventProcessorOptions, HandlerFailed, type ParkedEvent, ProcessorNotCaughtUp } from './event-processor.js';
import { type StoredEvent } from './event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.adapter.js';

const metadata: EventMetadata = {
  actor: { id: 'u-1', role: 'patient' },
  correlationId: 'c',
  causationId: null,
  softwareVersion: '1',
  featureFlags: [],
};

describe('the one processor lifecycle (projections, the audit chain)', () => {
  let dir: string;
  let store: SqliteEventStore;
  const processors: EventProcessor[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-processor-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
  });
  afterEach(async () => {
    await Promise.all(processors.splice(0).map((p) => p.stop()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (...values: string[]) =>
    store.append(
      `item-${randomUUID()}`,
      values.map((value) => ({ id: randomUUID(), type: 'Item', data: { value }, metadata })),
      'any',
    );

  const processor = (options: Partial<EventProcessorOptions> & Pick<EventProcessorOptions, 'handle'>) => {
    const created = new EventProcessor({
      name: 'items',
      eventStore: store,
      categories: ['item'],
      resumeAfter: async () => 0,
      onFailure: 'park',
      ...options,
    });
    processors.push(created);
    return created;
  };
  const valueOf = (event: StoredEvent) => (event.data as { value: string }).value;

  it('starts caught up, then follows new events; a second start joins the first', async () => {
    await append('a', 'b');
    const seen: string[] = [];
    const items = processor({ handle: async (e) => void seen.push(valueOf(e)) });
    await Promise.all([items.start(), items.start()]);
    expect(seen).toEqual(['a', 'b']);
    await append('c');
    await items.caughtUp();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(items.status).toBe('running');
  });

  it('parks an event its handler keeps failing on, reports it by id, and goes on with the next ones', async () => {
    await append('a', 'poison', 'c');
    const seen: string[] = [];
    const parked: ParkedEvent[] = [];
    let tries = 0;
    const items = processor({
      maxAttempts: 3,
      observer: { parked: (_name, event) => parked.push(event) },
      handle: async (e) => {
        if (valueOf(e) === 'poison') {
          tries++;
          throw new HandlerFailed(new Error('cannot fold'));
        }
        seen.push(valueOf(e));
      },
    });
    await items.start();
    expect(seen).toEqual(['a', 'c']);
    expect(tries).toBe(3);
    expect(parked).toHaveLength(1);
    expect(items.parked).toEqual([expect.objectContaining({ type: 'Item', error: expect.stringContaining('cannot fold') })]);
    expect(items.healthy).toBe(true);
  });

  it('stops at an event its handler keeps failing on, under the stop policy: nothing after it is applied, and readers are told', async () => {
    await append('a', 'poison', 'c');
    const seen: string[] = [];
    const items = processor({
      onFailure: 'stop',
      maxAttempts: 2,
      handle: async (e) => {
        if (valueOf(e) === 'poison') throw new HandlerFailed(new Error('cannot chain'));
        seen.push(valueOf(e));
      },
    });
    await items.start();
    expect(seen).toEqual(['a']);
    expect(items.status).toBe('failed');
    expect(items.healthy).toBe(false);
    await expect(items.caughtUp()).rejects.toBeInstanceOf(ProcessorNotCaughtUp);
    await append('d');
    await expect(items.caughtUp()).rejects.toMatchObject({ code: 'read-model-unavailable', kind: 'unavailable' });
    expect(seen).toEqual(['a']);
  });

  it('retries a failure that is not the handler’s own (an unavailable store) without parking it', async () => {
    await append('a');
    let failures = 0;
    const seen: string[] = [];
    const items = processor({
      maxAttempts: 1,
      handle: async (e) => {
        if (failures < 3) {
          failures++;
          throw new Error('read-model store unreachable');
        }
        seen.push(valueOf(e));
      },
    });
    await items.start();
    expect(seen).toEqual(['a']);
    expect(items.parked).toEqual([]);
  });

  it('gives up waiting after the caught-up timeout instead of hanging its caller', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const items = processor({ caughtUpTimeoutMs: 5_000, handle: () => gate });
    await items.start();
    await append('slow');
    const started = Date.now();
    await expect(items.caughtUp(200)).rejects.toBeInstanceOf(ProcessorNotCaughtUp);
    expect(Date.now() - started).toBeLessThan(5_000);
    release();
    await items.caughtUp();
  });

  it('stops cleanly while a start is in flight', async () => {
    await append('a');
    const items = processor({ handle: async () => undefined });
    const starting = items.start();
    await items.stop();
    await expect(starting).resolves.toBeUndefined();
    expect(items.status).toBe('stopped');
    await expect(items.caughtUp()).rejects.toBeInstanceOf(ProcessorNotCaughtUp);
  });
});
