import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadModelStoreContract } from '@vgp/testing';
import { SqliteReadModelStore } from './sqlite-read-model-store.adapter.js';

describeReadModelStoreContract(
  'SqliteReadModelStore',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgp-read-models-'));
    const path = join(dir, `${randomUUID()}.sqlite`);
    const opened: SqliteReadModelStore[] = [];
    const open = async () => {
      const store = new SqliteReadModelStore({ path });
      opened.push(store);
      return store;
    };
    const store = await open();
    return {
      store,
      collectionNames: () => store.collectionNames(),
      reopen: open,
      // Any SCAN in EXPLAIN QUERY PLAN reads a whole table (the documents or an array index's side table).
      explain: async (collection, query) => {
        const plan = await store.explain(collection, query);
        const index = plan.map((line) => /USING (?:COVERING )?INDEX (?:ix|arr):[^:]+:([A-Za-z0-9_-]+)/.exec(line)?.[1]).find(Boolean);
        return { index: index ?? null, scans: plan.some((line) => line.startsWith('SCAN')), plan: plan.join('\n') };
      },
      cleanup: async () => {
        await Promise.all(opened.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { explains: true },
);
