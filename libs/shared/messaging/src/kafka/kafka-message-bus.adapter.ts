import {
  type Admin,
  type Consumer as KafkaConsumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { DEAD_LETTER_SUFFIX, type IntegrationEvent, parseIntegrationEvent } from '@vgp/contracts';
import { type Consumer, type ConsumerOptions, type MessageBus, MessageBusUnavailable, type OutgoingMessage } from '../message-bus.port.js';
import { kafkaClient } from './kafka-client.js';
import { createTopicsWithLeaders } from './kafka-topics.js';

export type KafkaMessageBusOptions = {
  brokers: string[];
  clientId: string;
  /** Partitions of the topics this adapter creates on demand (its DLQs included). */
  numPartitions?: number;
  /** -1 takes the broker's default.replication.factor. */
  replicationFactor?: number;
  /** In-process attempts per message before it is dead-lettered, unless the subscriber says otherwise. */
  defaultMaxAttempts?: number;
  /** First pause between two attempts at one message; doubles each time up to `maxBackoffMs`. */
  retryBackoffMs?: number;
  maxBackoffMs?: number;
  /** A publish that the cluster has not acknowledged by then fails with MessageBusUnavailable. */
  publishTimeoutMs?: number;
  /** Longest a consumer's fetch waits for new messages; also how long a stop may wait for it. */
  consumerMaxWaitMs?: number;
  /** A member silent this long leaves its group; also bounds how long a group takes to resume after a broker restart. */
  sessionTimeoutMs?: number;
  /** TLS/SASL and other client settings for a production cluster. */
  client?: Omit<KafkaConfig, 'brokers' | 'clientId'>;
};

/** Headers a dead-lettered message carries, besides the original ones. */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  groupId: 'dlq-group-id',
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);

/** Thrown inside eachMessage when the consumer is stopping: the message stays uncommitted and is redelivered. */
class ConsumerStopping extends Error {}

/**
 * The message bus on Kafka (kafkajs). At-least-once: an offset is committed only after the handler
 * succeeded or the message was durably dead-lettered; duplicates are absorbed by each consumer's inbox.
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly knownTopics = new Set<string>();
  private readonly consumers = new Set<KafkaConsumer>();
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly options: Required<Omit<KafkaMessageBusOptions, 'client'>>;

  constructor(options: KafkaMessageBusOptions) {
    this.options = {
      numPartitions: 3,
      replicationFactor: -1,
      defaultMaxAttempts: 5,
      retryBackoffMs: 200,
      maxBackoffMs: 5_000,
      publishTimeoutMs: 30_000,
      consumerMaxWaitMs: 1_000,
      sessionTimeoutMs: 10_000,
      ...options,
    };
    this.kafka = kafkaClient(options);
    // Idempotent (acks=all, broker-side dedup of the producer's own retries). Retries are bounded, unlike
    // kafkajs' idempotent default, so a send never outlives close(); the outbox re-publishes what failed,
    // and consumers' inboxes absorb the duplicates that can cause.
    this.producer = this.kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    });
    this.admin = this.kafka.admin();
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.withTimeout(`publish to ${topic}`, async () => {
      await this.connect();
      await this.ensureTopics([topic]);
      await this.producer.send({
        topic,
        acks: -1,
        messages: messages.map(({ key, event }) => ({
          key,
          value: JSON.stringify(event),
          headers: { 'event-id': event.id, 'event-type': event.type },
        })),
      });
    });
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    const maxAttempts = options.maxAttempts ?? this.options.defaultMaxAttempts;
    try {
      await this.connect();
      // Topics (and their dead-letter topics) exist before the group joins, so partitions are assigned at
      // once and dead-lettering never has to create a topic while the cluster is struggling.
      const dlqs = options.topics.filter((t) => !t.endsWith(DEAD_LETTER_SUFFIX)).map((t) => `${t}${DEAD_LETTER_SUFFIX}`);
      await this.ensureTopics([...options.topics, ...dlqs]);
    } catch (error) {
      throw this.unavailable('subscribe', error);
    }
    let stopping = false;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.options.consumerMaxWaitMs,
      // Restart after a crash (broker gone for longer than the retries) rather than stop consuming.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8, restartOnFailure: async () => !stopping },
    });
    this.consumers.add(consumer);
    try {
      await consumer.connect();
      // A new group starts at the beginning: nothing published before a service first started is lost.
      await consumer.subscribe({ topics: options.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // One commit per batch, of the last message whose handler succeeded (or that was dead-lettered):
        // a crash redelivers at most the rest of the batch, which the consumer's inbox absorbs.
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const isStopping = () => stopping || this.closed || !isRunning() || isStale();
          let next: string | null = null;
          try {
            for (const message of batch.messages) {
              if (isStopping()) break;
              await this.deliver(options, maxAttempts, batch.topic, batch.partition, message, heartbeat, isStopping);
              resolveOffset(message.offset);
              next = (BigInt(message.offset) + 1n).toString();
              await heartbeat();
            }
          } finally {
            if (next !== null && !isStale()) {
              await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
            }
          }
        },
      });
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw this.unavailable(`subscribe ${options.groupId}`, error);
    }
    return {
      stop: async () => {
        stopping = true;
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async isHealthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.withTimeout(
        'health check',
        async () => {
          await this.connect();
          await this.admin.describeCluster();
        },
        5_000,
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /** Runs the handler with in-process retries; a message that never succeeds is dead-lettered. */
  private async deliver(
    options: ConsumerOptions,
    maxAttempts: number,
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isStopping: () => boolean,
  ): Promise<void> {
    const key = message.key?.toString() ?? '';
    let event: IntegrationEvent;
    try {
      event = parseIntegrationEvent(JSON.parse(message.value?.toString() ?? 'null'));
    } catch (error) {
      // Invalid on arrival: retrying cannot help.
      await this.deadLetter(options.groupId, topic, partition, message, error, 0);
      return;
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (isStopping()) throw new ConsumerStopping(`consumer ${options.groupId} is stopping`);
      try {
        await options.handler(event, { topic, key, attempt });
        return;
      } catch (error) {
        lastError = error;
      }
      if (attempt < maxAttempts) {
        await sleep(Math.min(this.options.retryBackoffMs * 2 ** (attempt - 1), this.options.maxBackoffMs));
        // Long retry series must not cost the group membership.
        await heartbeat().catch(() => undefined);
      }
    }
    await this.deadLetter(options.groupId, topic, partition, message, lastError, maxAttempts);
  }

  private async deadLetter(
    groupId: string,
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const dlq = `${topic}${DEAD_LETTER_SUFFIX}`;
    const headers: IHeaders = {
      ...message.headers,
      [DLQ_HEADERS.error]: describe(error),
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: String(partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.groupId]: groupId,
    };
    // If this throws, the offset is not committed and kafkajs redelivers the message: nothing is lost.
    await this.ensureTopics([dlq]);
    await this.producer.send({ topic: dlq, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.reject(new MessageBusUnavailable('message bus is closed'));
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connecting = null;
        throw error;
      },
    );
    return this.connecting;
  }

  private async ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    await createTopicsWithLeaders(
      this.admin,
      missing.map((topic) => ({ topic, numPartitions: this.options.numPartitions, replicationFactor: this.options.replicationFactor })),
    );
    for (const t of missing) this.knownTopics.add(t);
  }

  private async withTimeout(what: string, work: () => Promise<void>, ms = this.options.publishTimeoutMs) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MessageBusUnavailable(`${what}: no answer from Kafka in ${ms} ms`)), ms);
    });
    try {
      await Promise.race([work(), timeout]);
    } catch (error) {
      throw this.unavailable(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(what: string, error: unknown): MessageBusUnavailable {
    return error instanceof MessageBusUnavailable ? error : new MessageBusUnavailable(`${what}: ${describe(error)}`, error);
  }
}
