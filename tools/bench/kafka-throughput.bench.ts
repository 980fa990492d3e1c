import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type IntegrationEvent } from '@vgp/contracts';
import { KafkaMessageBus } from '@vgp/messaging/kafka';
import { type Benchmark, infoRow, now, type Progress, row, sleep, type Table } from './lib.js';

const MESSAGES = 20_000;
const BATCH = 500;
/** Publishes of one message each, as the outbox does (one stored event, one publish). */
const SINGLE_PUBLISHES = 1_000;
const PARTITIONS = 3;
const DIAGNOSTIC_MESSAGES = 5_000;
const SIDE_MAX_MS = 45_000;
const ENDPOINTS = join(import.meta.dirname, '..', '..', '.cache', 'services', 'endpoints.json');

const brokersFromEndpoints = (): string[] | null => {
  if (!existsSync(ENDPOINTS)) return null;
  const endpoints = JSON.parse(readFileSync(ENDPOINTS, 'utf8')) as { kafka?: { brokers?: string[] } };
  return endpoints.kafka?.brokers?.length ? endpoints.kafka.brokers : null;
};

const answers = (broker: string): Promise<boolean> =>
  new Promise((resolve) => {
    const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

const consultationBooked = (i: number): IntegrationEvent => {
  const consultationId = randomUUID();
  return {
    id: randomUUID(),
    type: 'ConsultationBooked',
    schemaVersion: 1,
    streamId: `consultation-${consultationId}`,
    revision: 0,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    correlationId: `corr-${i}`,
    causationId: null,
    actor: { id: 'admin-bench', role: 'clinic_admin' },
    softwareVersion: '0.1.0-bench',
    featureFlags: ['media-switch'],
    data: {
      consultationId,
      clinicId: 'clinic-bench',
      patientId: `patient-${i % 5_000}`,
      clinicianId: `dr-${i % 100}`,
      startsAt: '2026-03-01T09:00:00.000Z',
      durationMinutes: 20,
      mode: 'video',
    },
  } as IntegrationEvent;
};

/** What both sides must offer: publish a batch, and a consumer that counts what it received. */
type Side = {
  publish(events: IntegrationEvent[]): Promise<void>;
  startConsumer(onMessage: () => void): Promise<void>;
  close(): Promise<void>;
};

type Run = { publishMs: number; endToEndMs: number; received: number; singleMs: number; singles: number };

const measure = async (
  side: Side,
  label: string,
  progress: Progress,
  messages = MESSAGES,
  singlesToSend = SINGLE_PUBLISHES,
): Promise<Run> => {
  let received = 0;
  let target = 1;
  let reached: (() => void) | null = null;
  await side.startConsumer(() => {
    received++;
    if (received % 500 === 0) progress.tick(500);
    if (received >= target && reached) {
      reached();
      reached = null;
    }
  });
  const until = (count: number, ms: number) =>
    new Promise<boolean>((resolve) => {
      if (received >= count) return resolve(true);
      target = count;
      const timer = setTimeout(() => resolve(false), ms);
      reached = () => (clearTimeout(timer), resolve(true));
    });
  // One message first: once it is consumed the group has joined and owns every partition.
  progress.phase(`${label}: joining the consumer group`, 1);
  await side.publish([consultationBooked(-1)]);
  if (!(await until(1, 30_000))) throw new Error(`${label}: the consumer group did not receive a first message in 30 s`);
  received = 0;

  progress.phase(`${label}: ${messages} messages, batches of ${BATCH}`, messages);
  const events = Array.from({ length: messages }, (_, i) => consultationBooked(i));
  const started = now();
  for (let i = 0; i < events.length; i += BATCH) await side.publish(events.slice(i, i + BATCH));
  const publishMs = now() - started;
  await until(messages, Math.max(1_000, SIDE_MAX_MS - publishMs));
  const endToEndMs = now() - started;
  const all = received;

  progress.phase(`${label}: ${singlesToSend} publishes of one message`, singlesToSend);
  received = 0;
  const singleStarted = now();
  let singles = 0;
  for (; singles < singlesToSend && now() - singleStarted < 15_000; singles++) {
    await side.publish([consultationBooked(singles)]);
    if (singles % 100 === 0) progress.tick(100);
  }
  const singleMs = now() - singleStarted;
  if (singles > 0) await until(singles, 10_000);
  return { publishMs, endToEndMs, received: all, singleMs, singles };
};

export const kafkaThroughput: Benchmark = {
  name: 'kafka-throughput',
  title: 'Kafka throughput (KafkaMessageBus vs raw kafkajs)',
  measures:
    `${MESSAGES.toLocaleString('en-US')} ConsultationBooked integration events (about 0.5 KB of JSON each, distinct keys) go through ` +
    '`KafkaMessageBus.publish` (batches of ' +
    `${BATCH}, acks=-1, idempotent producer) to a fresh topic of ${PARTITIONS} partitions, and are ` +
    'consumed by one `KafkaMessageBus.subscribe` member of a fresh group (which parses and validates each event, runs the handler, and ' +
    'commits its offset). Baseline: raw kafkajs on the same broker, a fresh topic with the same partitions, an idempotent producer sending ' +
    'the same batches with acks=-1, and a consumer (`eachMessage`, JSON.parse, kafkajs auto-commit). Timing starts after each group has ' +
    `joined (one message consumed) and ends when the last message is consumed; each side is capped at ${SIDE_MAX_MS / 1000} s. A second table ` +
    `publishes ${SINGLE_PUBLISHES.toLocaleString('en-US')} messages one per call, as the outbox does. Needs \`tools/services/up kafka\` ` +
    '(the broker named in `.cache/services/endpoints.json`, loopback).',
  async run(progress) {
    const brokers = brokersFromEndpoints();
    if (!brokers) return { tables: [], notes: [], skipped: 'no local Kafka; run tools/services/up kafka' };
    if (!(await answers(brokers[0]))) {
      return { tables: [], notes: [], skipped: `no local Kafka answering at ${brokers[0]}; run tools/services/up kafka` };
    }
    const stamp = `${Date.now()}-${process.pid}`;
    const topics = { adapter: `bench.adapter.${stamp}`, raw: `bench.raw.${stamp}`, rawCommitEach: `bench.raw-commit-each.${stamp}` };
    const kafka = new Kafka({ clientId: 'vgp-bench-raw', brokers, logLevel: logLevel.ERROR });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const bus = new KafkaMessageBus({ brokers, clientId: 'vgp-bench-adapter', numPartitions: PARTITIONS });
      const adapterSide: Side = {
        publish: (events) =>
          bus.publish(
            topics.adapter,
            events.map((event) => ({ key: (event.data as { consultationId: string }).consultationId, event })),
          ),
        startConsumer: async (onMessage) => {
          await bus.subscribe({ groupId: `bench-adapter-${stamp}`, topics: [topics.adapter], handler: async () => onMessage() });
        },
        close: () => bus.close(),
      };

      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topics.raw, numPartitions: PARTITIONS, replicationFactor: -1 }] });
      const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
      const consumer = kafka.consumer({ groupId: `bench-raw-${stamp}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 1_000 });
      await producer.connect();
      let rawTopic = topics.raw;
      const rawSide: Side = {
        publish: async (events) => {
          await producer.send({
            topic: rawTopic,
            acks: -1,
            messages: events.map((event) => ({
              key: (event.data as { consultationId: string }).consultationId,
              value: JSON.stringify(event),
              headers: { 'event-id': event.id, 'event-type': event.type },
            })),
          });
        },
        startConsumer: async (onMessage) => {
          await consumer.connect();
          await consumer.subscribe({ topics: [topics.raw], fromBeginning: true });
          await consumer.run({
            eachMessage: async ({ message }) => {
              JSON.parse(message.value?.toString() ?? 'null');
              onMessage();
            },
          });
        },
        close: async () => {
          await consumer.disconnect();
          await producer.disconnect();
        },
      };

      // Diagnostic: the raw consumer committing each offset before the next message, as the adapter does.
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: topics.rawCommitEach, numPartitions: PARTITIONS, replicationFactor: -1 }],
      });
      const committing = kafka.consumer({
        groupId: `bench-raw-commit-each-${stamp}`,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 1_000,
      });
      const commitEachSide: Side = {
        publish: (events) => rawSide.publish(events),
        startConsumer: async (onMessage) => {
          await committing.connect();
          await committing.subscribe({ topics: [topics.rawCommitEach], fromBeginning: true });
          await committing.run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
              JSON.parse(message.value?.toString() ?? 'null');
              onMessage();
              await committing.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            },
          });
        },
        close: () => committing.disconnect(),
      };

      let adapter: Run;
      let raw: Run;
      let commitEach: Run;
      try {
        adapter = await measure(adapterSide, 'KafkaMessageBus', progress);
      } finally {
        await adapterSide.close();
      }
      await sleep(500);
      try {
        raw = await measure(rawSide, 'raw kafkajs', progress);
        rawTopic = topics.rawCommitEach;
        commitEach = await measure(commitEachSide, 'raw kafkajs, commit per message', progress, DIAGNOSTIC_MESSAGES, 0);
      } finally {
        await commitEachSide.close();
        await rawSide.close();
      }

      const perSecond = (count: number, ms: number) => (count / ms) * 1000;
      const tables: Table[] = [
        {
          title: `${MESSAGES.toLocaleString('en-US')} messages, batches of ${BATCH}, ${PARTITIONS} partitions, acks=-1`,
          resultLabel: 'KafkaMessageBus',
          baselineLabel: 'raw kafkajs',
          rows: [
            row(
              'publish+consume messages/s (end to end)',
              perSecond(adapter.received, adapter.endToEndMs),
              perSecond(raw.received, raw.endToEndMs),
              'msg/s',
              true,
            ),
            row(
              'publish messages/s (producer side alone)',
              perSecond(MESSAGES, adapter.publishMs),
              perSecond(MESSAGES, raw.publishMs),
              'msg/s',
              true,
            ),
            infoRow(
              `diagnostic: raw kafkajs consumer committing each offset before the next message (${DIAGNOSTIC_MESSAGES.toLocaleString('en-US')} messages), end to end`,
              '',
              `${Math.round(perSecond(commitEach.received, commitEach.endToEndMs)).toLocaleString('en-US')} msg/s`,
            ),
            infoRow(
              'messages consumed within the cap',
              `${adapter.received.toLocaleString('en-US')} of ${MESSAGES.toLocaleString('en-US')}`,
              `${raw.received.toLocaleString('en-US')} of ${MESSAGES.toLocaleString('en-US')}`,
            ),
          ],
        },
        {
          title: 'One message per publish call (the outbox pattern), sequential',
          resultLabel: 'KafkaMessageBus',
          baselineLabel: 'raw kafkajs',
          rows: [
            row('publishes/s', perSecond(adapter.singles, adapter.singleMs), perSecond(raw.singles, raw.singleMs), '/s', true),
            row('mean ms per publish', adapter.singleMs / adapter.singles, raw.singleMs / raw.singles, 'ms', false),
          ],
        },
      ];
      return {
        tables,
        notes: [`Broker: ${brokers.join(', ')} (Apache Kafka in KRaft mode, one node, started by tools/services/up kafka).`],
      };
    } finally {
      // The benchmark's own topics only (the adapter also made a dead-letter topic).
      await admin
        .deleteTopics({ topics: [topics.adapter, `${topics.adapter}.dlq`, topics.raw, topics.rawCommitEach], timeout: 10_000 })
        .catch(() => undefined);
      await admin.disconnect();
    }
  },
};
