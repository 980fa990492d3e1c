import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

/**
 * The one kafkajs client setup of both buses. It rides out a broker restart: it reconnects with backoff instead of
 * failing the first request. `client` overrides anything but the brokers and the client id.
 */
export const kafkaClient = (options: { brokers: string[]; clientId: string; client?: Partial<KafkaConfig> }): Kafka =>
  new Kafka({
    logLevel: logLevel.ERROR,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    ...options.client,
    brokers: options.brokers,
    clientId: options.clientId,
  });
