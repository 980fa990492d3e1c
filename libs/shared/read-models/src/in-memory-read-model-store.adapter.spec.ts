import { describeReadModelStoreContract } from '@vgp/testing';
import { InMemoryReadModelStore } from './in-memory-read-model-store.adapter.js';

describeReadModelStoreContract('InMemoryReadModelStore', async () => {
  const store = new InMemoryReadModelStore();
  return { store, collectionNames: () => store.collectionNames(), cleanup: () => store.close() };
});
