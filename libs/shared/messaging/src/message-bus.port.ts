import { type IntegrationEvent } from '@vgp/contracts';

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

export type OutgoingMessage = { key: string; event: IntegrationEvent };

export type DeliveryContext = { topic: string; key: string; attempt: number };

export type MessageHandler = (event: IntegrationEvent, context: DeliveryContext) => Promise<void>;

export type ConsumerOptions = {
  /** One delivery per group: every service consumes under its own group id. */
  groupId: string;
  topics: string[];
  handler: MessageHandler;
  /** After this many failed attempts the message goes to `<topic>.dlq` and the partition moves on. */
  maxAttempts?: number;
};

export interface Consumer {
  stop(): Promise<void>;
}

/**
 * At-least-once delivery, in order per key within a topic, once per consumer group.
 * `publish` resolves only when the bus has durably accepted every message.
 */
export interface MessageBus {
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: ConsumerOptions): Promise<Consumer>;
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export class MessageBusUnavailable extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'MessageBusUnavailable';
  }
}
