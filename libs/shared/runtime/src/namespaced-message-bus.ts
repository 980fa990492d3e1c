import { type Consumer, type ConsumerOptions, type MessageBus, type OutgoingMessage } from '@vgp/messaging';

/**
 * Puts every topic and consumer group of one deployment under `<namespace>.`, so several deployments (or test
 * runs) can share one Kafka cluster without reading each other's events or splitting each other's groups.
 * Contexts keep naming the contract's topics; handlers see them without the namespace.
 */
export class NamespacedMessageBus implements MessageBus {
  private readonly prefix: string;

  constructor(
    private readonly inner: MessageBus,
    readonly namespace: string,
  ) {
    this.prefix = `${namespace}.`;
  }

  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.inner.publish(this.prefix + topic, messages);
  }

  subscribe(options: ConsumerOptions): Promise<Consumer> {
    return this.inner.subscribe({
      ...options,
      groupId: this.prefix + options.groupId,
      topics: options.topics.map((t) => this.prefix + t),
      handler: (event, context) =>
        options.handler(event, {
          ...context,
          topic: context.topic.startsWith(this.prefix) ? context.topic.slice(this.prefix.length) : context.topic,
        }),
    });
  }

  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
