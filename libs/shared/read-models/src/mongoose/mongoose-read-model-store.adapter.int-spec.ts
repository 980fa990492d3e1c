import { randomUUID } from 'node:crypto';
import { describeReadModelStoreContract, testServices } from '@vgp/testing';
import { MongooseReadModelStore } from './mongoose-read-model-store.adapter.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// One database per run (FerretDB: one SQLite file), dropped at the end; tests use fresh collection names.
const dbName = `vgp_read_models_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
let url: string;
let admin: MongooseReadModelStore | undefined;

beforeAll(async () => {
  const endpoint = await testServices()
    .mongo()
    .catch((error: unknown) => {
      throw new Error(`The read-model store needs MongoDB (FerretDB locally): ${(error as Error).message}`);
    });
  url = endpoint.url;
  admin = await MongooseReadModelStore.connect({ url, dbName, serverSelectionTimeoutMS: 5_000 });
});

afterAll(async () => {
  await admin?.dropDatabase();
  await admin?.close();
  await testServices().stop();
});

describeReadModelStoreContract(
  'MongooseReadModelStore on FerretDB',
  async () => {
    const opened: MongooseReadModelStore[] = [];
    const open = async () => {
      const store = await MongooseReadModelStore.connect({ url, dbName });
      opened.push(store);
      return store;
    };
    const store = await open();
    return {
      store,
      collectionNames: () => store.collectionNames(),
      reopen: open,
      explain: async (collection, query) => {
        const explained = await store.explain(collection, query);
        const plan = JSON.stringify(explained);
        const planner = explained.queryPlanner as { winningPlan?: unknown } | undefined;
        // FerretDB v1 (SQLite backend) reports its own SQLite plan instead of stages, and it is always a SCAN of the
        // collection's table: it pushes no filter down to secondary indexes (filterPushdown: false). What holds there:
        // the query goes out hinted with the declared index the store planned it on (ADR 0026).
        if (planner?.winningPlan === undefined)
          return { index: (explained.command as { hint?: string } | undefined)?.hint ?? null, scans: null, plan };
        return { index: /"indexName":"([^"]+)"/.exec(plan)?.[1] ?? null, scans: plan.includes('COLLSCAN'), plan };
      },
      cleanup: async () => {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  },
  { explains: true },
);
