import { randomUUID } from 'node:crypto';
import { describeEventStoreContract, eventStoreAvailability, testServices } from '@vgp/testing';
import { EsdbEventStore } from './esdb-event-store.adapter.js';

// EventStoreDB/KurrentDB runs only where Docker (TEST_SERVICES=containers) or EVENTSTORE_URL exists; no local
// runner is built for it. Elsewhere the suite is skipped, with the reason in its title so reports show it.
const availability = eventStoreAvailability();

if (availability.available) {
  const services = testServices();
  const stores: EsdbEventStore[] = [];
  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await services.stop();
  });
  vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

  // Every contract test uses fresh stream ids and categories, so one server (and one client) serves them all.
  describeEventStoreContract(`EsdbEventStore (run ${randomUUID().slice(0, 8)})`, async () => {
    const store = new EsdbEventStore({ connectionString: (await services.eventStore()).url, retryBackoffMs: 50 });
    stores.push(store);
    return { store, cleanup: async () => undefined };
  });

  // Services share one server, each under its own namespace: the contract holds inside one.
  describeEventStoreContract(`EsdbEventStore in a namespace (run ${randomUUID().slice(0, 8)})`, async () => {
    const store = new EsdbEventStore({
      connectionString: (await services.eventStore()).url,
      retryBackoffMs: 50,
      namespace: `ns-${randomUUID().slice(0, 8)}`,
    });
    stores.push(store);
    return { store, cleanup: async () => undefined };
  });
} else {
  describe.skip(`EventStoreDB contract (skipped: ${availability.reason})`, () => {
    it('runs the event store contract against EventStoreDB/KurrentDB', () => undefined);
  });
}
