import { randomUUID } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { DEAD_LETTER_SUFFIX } from '@vgp/contracts';
import { MessageBusUnavailable } from '../message-bus.port.js';
import { aConsultationCompleted, describeMessageBusContract, eventually, testServices } from '@vgp/testing';
import { DLQ_HEADERS, KafkaMessageBus } from './kafka-message-bus.adapter.js';

// Real Kafka (tools/services/up kafka, or TEST_SERVICES=containers|external). Topics and groups are unique per
// run, so runs can share one broker; a new consumer group needs a few seconds to join, hence the timeouts.
const run = randomUUID().slice(0, 8);
const services = testServices();
const newBus = async (overrides: Partial<ConstructorParameters<typeof KafkaMessageBus>[0]> = {}) =>
  new KafkaMessageBus({ brokers: (await services.kafka()).brokers, clientId: `vgp-int-${run}`, ...overrides });

afterAll(() => services.stop());
// Also the contract suite's hooks: stopping a kafkajs consumer waits for its fetch and leaves the group.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describeMessageBusContract(
  'KafkaMessageBus',
  async () => {
    const bus = await newBus({ retryBackoffMs: 50 });
    return { bus, cleanup: () => bus.close() };
  },
  { timeoutMs: 30_000, orderingRuns: 10 },
);

describe('KafkaMessageBus on a real broker', () => {
  let bus: KafkaMessageBus;
  let raw: Kafka;
  const stops: (() => Promise<void>)[] = [];
  const topic = () => `int.${run}.${randomUUID()}`;
  const group = () => `int-${run}-${randomUUID()}`;

  beforeAll(async () => {
    bus = await newBus({ retryBackoffMs: 50 });
    raw = new Kafka({ brokers: (await services.kafka()).brokers, clientId: `vgp-int-raw-${run}`, logLevel: logLevel.NOTHING });
  });
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });
  afterAll(() => bus.close());

  /** Reads a topic from the start with a plain kafkajs consumer, so the adapter does not judge its own output. */
  const readRaw = async (from: string, count: number): Promise<KafkaMessage[]> => {
    const seen: KafkaMessage[] = [];
    const consumer = raw.consumer({ groupId: group() });
    stops.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [from], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(count), 30_000, 100);
    return seen;
  };

  it('dead-letters a message that is not a valid integration event, with the reason, and goes on with its partition', async () => {
    const t = topic();
    const key = `c-${randomUUID()}`;
    const good = aConsultationCompleted({ consultationId: key });
    const handled: string[] = [];
    const consumer = await bus.subscribe({ groupId: group(), topics: [t], handler: async (e) => void handled.push(e.id) });
    stops.push(() => consumer.stop());

    const producer = raw.producer();
    await producer.connect();
    // Same key, so the same partition: the poison message sits right in front of a good one.
    await producer.send({ topic: t, messages: [{ key, value: '{"not":"an event"}' }] });
    await producer.disconnect();
    await bus.publish(t, [{ key, event: good }]);

    await eventually(() => expect(handled).toEqual([good.id]), 30_000);
    const [dead] = await readRaw(`${t}${DEAD_LETTER_SUFFIX}`, 1);
    expect(dead.value?.toString()).toBe('{"not":"an event"}');
    expect(dead.key?.toString()).toBe(key);
    const header = (name: string) => dead.headers?.[name]?.toString();
    expect(header(DLQ_HEADERS.error)).toContain('InvalidIntegrationEvent');
    expect(header(DLQ_HEADERS.attempts)).toBe('0');
    expect(header(DLQ_HEADERS.topic)).toBe(t);
    expect(header(DLQ_HEADERS.offset)).toBe('0');
    expect(Number(header(DLQ_HEADERS.partition))).toBeGreaterThanOrEqual(0);
  }, 90_000);

  it('records on the dead letter how often a failing handler was tried and where the message came from', async () => {
    const t = topic();
    const poison = aConsultationCompleted();
    const consumer = await bus.subscribe({
      groupId: group(),
      topics: [t],
      maxAttempts: 2,
      handler: async () => {
        throw new Error('projection rejected it');
      },
    });
    stops.push(() => consumer.stop());
    await bus.publish(t, [{ key: poison.data.consultationId, event: poison }]);

    const [dead] = await readRaw(`${t}${DEAD_LETTER_SUFFIX}`, 1);
    expect(JSON.parse(dead.value?.toString() ?? '')).toEqual(poison);
    expect(dead.headers?.[DLQ_HEADERS.attempts]?.toString()).toBe('2');
    expect(dead.headers?.[DLQ_HEADERS.error]?.toString()).toBe('Error: projection rejected it');
    expect(dead.headers?.['event-id']?.toString()).toBe(poison.id);
  }, 90_000);

  it('resumes a group after its committed offsets: handled messages are not delivered again', async () => {
    const t = topic();
    const g = group();
    const first = [aConsultationCompleted(), aConsultationCompleted()];
    const second = aConsultationCompleted();
    const seen: string[] = [];
    const handler = async (e: { id: string }) => void seen.push(e.id);

    const one = await bus.subscribe({ groupId: g, topics: [t], handler });
    await bus.publish(
      t,
      first.map((event) => ({ key: event.data.consultationId, event })),
    );
    await eventually(() => expect(seen.sort()).toEqual(first.map((e) => e.id).sort()), 30_000);
    await one.stop();

    await bus.publish(t, [{ key: second.data.consultationId, event: second }]);
    const two = await bus.subscribe({ groupId: g, topics: [t], handler });
    stops.push(() => two.stop());
    await eventually(() => expect(seen).toContain(second.id), 30_000);
    expect(seen.filter((id) => first.some((e) => e.id === id))).toHaveLength(2);
  }, 90_000);

  it('reports a broker that does not answer as unhealthy, and fails a publish with MessageBusUnavailable', async () => {
    // Port 9 (discard) is closed on a test machine: the connection is refused at once.
    const down = new KafkaMessageBus({
      brokers: ['127.0.0.1:9'],
      clientId: `vgp-int-down-${run}`,
      publishTimeoutMs: 3_000,
      client: { logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 } },
    });
    try {
      expect(await down.isHealthy()).toBe(false);
      await expect(down.publish(topic(), [{ key: 'k', event: aConsultationCompleted() }])).rejects.toBeInstanceOf(MessageBusUnavailable);
    } finally {
      await down.close();
    }
  }, 30_000);
});
