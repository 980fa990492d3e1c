import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer as KafkaConsumer, Kafka, type KafkaConfig, type Producer } from 'kafkajs';
import type { BroadcastBus, BroadcastHandler, BroadcastSubscription } from '../broadcast-bus.port.js';
import { MessageBusUnavailable } from '../message-bus.port.js';
import { kafkaClient } from './kafka-client.js';
import { createTopicsWithLeaders, whileLeaderMoves } from './kafka-topics.js';

export type KafkaBroadcastBusOptions = {
  brokers: string[];
  clientId: string;
  /** Put before every channel's topic and group (a deployment's namespace, e.g. `prod.`). */
  prefix?: string;
  /** Partitions of a channel's topic: order holds per key within one. */
  numPartitions?: number;
  /** -1 takes the broker's default.replication.factor. */
  replicationFactor?: number;
  /** How long the broker keeps a message: ephemeral, a subscriber never reads back further than it started. */
  retentionMs?: number;
  /** A publish the cluster has not acknowledged by then fails with MessageBusUnavailable. */
  publishTimeoutMs?: number;
  /** TLS/SASL and other client settings for a production cluster. */
  client?: Omit<KafkaConfig, 'brokers' | 'clientId'>;
};

/**
 * The broadcast bus on Kafka: one topic per channel, keyed for order; each subscriber is a consumer group of its
 * own, positioned at the end of the topic when it subscribes, committing nothing (the group leaves no offsets
 * behind). At most once: a subscriber that is down misses what was published meanwhile.
 */
export class KafkaBroadcastBus implements BroadcastBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly knownTopics = new Set<string>();
  private readonly consumers = new Set<KafkaConsumer>();
  private readonly options: Required<Omit<KafkaBroadcastBusOptions, 'client'>>;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(options: KafkaBroadcastBusOptions) {
    this.options = { prefix: '', numPartitions: 3, replicationFactor: -1, retentionMs: 60_000, publishTimeoutMs: 10_000, ...options };
    this.kafka = kafkaClient(options);
    // Leader acknowledgement is enough for a message nobody will read back; no idempotence to wait for.
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
    });
    this.admin = this.kafka.admin();
  }

  async publish(channel: string, key: string, payload: unknown): Promise<void> {
    const topic = this.topicOf(channel);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new MessageBusUnavailable(`broadcast to ${topic}: no answer from Kafka in ${this.options.publishTimeoutMs} ms`)),
        this.options.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await this.connect();
          await this.ensureTopic(topic);
          await this.producer.send({ topic, acks: 1, messages: [{ key, value: JSON.stringify(payload) }] });
        })(),
        timeout,
      ]);
    } catch (error) {
      throw unavailable(`broadcast to ${topic}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(channel: string, handler: BroadcastHandler): Promise<BroadcastSubscription> {
    const topic = this.topicOf(channel);
    let ends: { partition: number; offset: string }[];
    try {
      await this.connect();
      await this.ensureTopic(topic);
      // The end of every partition now: whatever is published from here on reaches this subscriber.
      ends = await whileLeaderMoves(() => this.admin.fetchTopicOffsets(topic));
    } catch (error) {
      throw unavailable(`subscribe to ${topic}`, error);
    }
    let stopping = false;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.prefix}broadcast.${channel}.${randomUUID()}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8, restartOnFailure: async () => !stopping },
    });
    this.consumers.add(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      // Resolves once the group has joined and the partitions are assigned.
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          let payload: unknown;
          try {
            payload = JSON.parse(message.value?.toString('utf8') ?? 'null');
          } catch {
            return; // not ours to repair: at most once
          }
          try {
            handler({ key: message.key?.toString('utf8') ?? '', payload });
          } catch {
            // At most once: a handler that throws has lost this message, never the ones after it.
          }
        },
      });
      for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw unavailable(`subscribe to ${topic}`, error);
    }
    return {
      stop: async () => {
        stopping = true;
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private topicOf(channel: string): string {
    return `${this.options.prefix}${channel}`;
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.reject(new MessageBusUnavailable('broadcast bus is closed'));
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return this.connecting;
  }

  private async ensureTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    await createTopicsWithLeaders(this.admin, [
      {
        topic,
        numPartitions: this.options.numPartitions,
        replicationFactor: this.options.replicationFactor,
        configEntries: [{ name: 'retention.ms', value: String(this.options.retentionMs) }],
      },
    ]);
    this.knownTopics.add(topic);
  }
}

const unavailable = (what: string, error: unknown): MessageBusUnavailable =>
  error instanceof MessageBusUnavailable
    ? error
    : new MessageBusUnavailable(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, error);
