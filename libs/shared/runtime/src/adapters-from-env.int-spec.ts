import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@vgp/event-store';
import { FsObjectStore } from '@vgp/object-store';
import { adaptersFromEnv } from './adapters-from-env.js';

describe('a distributed service without KurrentDB or S3', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgp-runtime-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its events in its own SQLite file under DATA_DIR, and warns that local objects hold on one host only', async () => {
    const adapters = adaptersFromEnv('replay-access', { KAFKA_BROKERS: '127.0.0.1:1', DATA_DIR: dataDir });
    try {
      expect(adapters.eventStore).toBeInstanceOf(SqliteEventStore);
      expect(existsSync(join(dataDir, 'replay-access.events.sqlite'))).toBe(true);
      expect(adapters.objectStore).toBeInstanceOf(FsObjectStore);
      expect(adapters.warnings.join('\n')).toMatch(/objects are kept in the local folder .*objects: valid only when .* on this host/);
    } finally {
      await adapters.close();
    }
  });
});
