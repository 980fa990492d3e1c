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

describeReadModelStoreContract('MongooseReadModelStore on FerretDB', async () => {
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
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
});
