import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { randomUUID } from 'node:crypto';
import { EventStoreUnavailable } from './event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.adapter.js';

vi.setConfig({ testTimeout: 60_000 });

const anEvent = () => ({
  id: randomUUID(),
  type: 'Probed',
  data: {},
  metadata: {
    correlationId: randomUUID(),
    causationId: null,
    actor: { id: 'system', role: 'system' as const },
    softwareVersion: 'test',
    featureFlags: [],
  },
});

/** Another OS process that takes the store's write lock, says so, and keeps it for `holdMs` (as a backup tool or a stuck writer would). */
const holdWriteLock = async (path: string, holdMs: number): Promise<ChildProcess> => {
  const script = `
    const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  expect(chunk.toString()).toContain('locked');
  return child;
};

/** The longest gap between timer ticks asked for every 50 ms over `forMs`: how long the event loop was stalled. */
const eventLoopStall = async (forMs: number): Promise<number> => {
  let worst = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 50);
  await new Promise((done) => setTimeout(done, forMs));
  clearInterval(timer);
  return worst;
};

describe('SqliteEventStore while another process holds the write lock', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;
  let holder: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-sqlite-lock-'));
    path = join(dir, 'events.sqlite');
  });

  afterEach(async () => {
    holder?.kill('SIGKILL');
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never stalls the event loop: an append waits on a timer and commits once the lock is released', async () => {
    // A wait as long as the lock is held: a synchronous wait would freeze this process for 12 s.
    store = new SqliteEventStore({ path, busyTimeoutMs: 30_000 });
    holder = await holdWriteLock(path, 12_000);
    const appended = store.append('probe-1', [anEvent()], 'no_stream');
    const [stall, health] = await Promise.all([eventLoopStall(6_000), store.isHealthy()]);
    expect(stall).toBeLessThan(5_000);
    expect(health).toBe(false);
    await expect(appended).resolves.toMatchObject({ nextExpectedRevision: 0 });
    expect(await store.isHealthy()).toBe(true);
  });

  it('fails the append with store-unavailable once the lock outlasts busyTimeoutMs, and stores nothing', async () => {
    store = new SqliteEventStore({ path, busyTimeoutMs: 2_000 });
    holder = await holdWriteLock(path, 12_000);
    await expect(store.append('probe-2', [anEvent()], 'no_stream')).rejects.toBeInstanceOf(EventStoreUnavailable);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(await store.readStream('probe-2')).toEqual([]);
  });

  it('is not healthy while a write cannot be stored, and healthy again once it can', async () => {
    store = new SqliteEventStore({ path });
    expect(await store.isHealthy()).toBe(true);
    // A fault another connection injects into the same file: every write of the probe is refused, as on a full disk.
    const fault = new DatabaseSync(path);
    fault.exec(`CREATE TRIGGER refuse_writes BEFORE UPDATE ON store_probe BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    try {
      expect(await store.isHealthy()).toBe(false);
    } finally {
      fault.exec('DROP TRIGGER refuse_writes');
      fault.close();
    }
    expect(await store.isHealthy()).toBe(true);
  });
});
