import { randomUUID } from 'node:crypto';
import { describeBroadcastBusContract, testServices } from '@vgp/testing';
import { KafkaBroadcastBus } from './kafka-broadcast-bus.adapter.js';

// Real Kafka (tools/services/up kafka, or TEST_SERVICES=containers|external); topics and groups unique per run.
const run = randomUUID().slice(0, 8);
const services = testServices();

afterAll(() => services.stop());
// A new consumer group needs a few seconds to join.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describeBroadcastBusContract(
  'KafkaBroadcastBus',
  async () => {
    const bus = new KafkaBroadcastBus({ brokers: (await services.kafka()).brokers, clientId: `vgp-int-${run}`, prefix: `int.${run}.` });
    return { bus, cleanup: () => bus.close() };
  },
  { timeoutMs: 20_000 },
);
