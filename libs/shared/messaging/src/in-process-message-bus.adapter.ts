import { DEAD_LETTER_SUFFIX, type IntegrationEvent } from '@vgp/contracts';
import { type Consumer, type ConsumerOptions, type MessageBus, MessageBusUnavailable, type OutgoingMessage } from './message-bus.port.js';

export type InProcessMessageBusOptions = {
  /** Delay before the second attempt of a failed delivery; it doubles per attempt up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * Hold every publish until `start()`. One process boots all its consumers before any producer may
   * publish, so no group misses what an outbox forwards at boot (Kafka groups would read it from the log).
   */
  holdUntilStarted?: boolean;
};

/** A message as the broker keeps it: serialised once, so every group gets its own copy, as off a wire. */
type Envelope = { topic: string; key: string; payload: string };

type Delivery = {
  message: Envelope;
  /** Resolves the publisher's wait: handled, dead-lettered, or parked while the group has no member. */
  settle(): void;
};

type Member = { id: number; options: ConsumerOptions; inFlight: Set<Promise<void>> };

type Group = {
  id: string;
  topic: string;
  members: Member[];
  /** Per key, its pending deliveries in publish order; a key has at most one worker. */
  queues: Map<string, Delivery[]>;
  working: Set<string>;
};

export type DeadLetter = { topic: string; key: string; event: IntegrationEvent; error: string; attempts: number };

/**
 * The bus inside one process, with Kafka's semantics: at-least-once, in order per key within a
 * topic, one delivery per consumer group, and every group gets every message.
 *
 * Like a new Kafka group starting at "latest", a group receives only messages published after it
 * first subscribed. A group whose members all stopped keeps receiving messages into its queue and
 * is served again when a member rejoins, as committed offsets would do.
 *
 * `publish` resolves once every group with a member has handled (or dead-lettered) the messages:
 * in one process that is what "durably accepted" means. A handler must therefore never await a
 * publish on a key its own group is handling: that key waits for the handler.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly deadLettered: DeadLetter[] = [];
  private nextMemberId = 1;
  private closed = false;
  private started: Promise<void>;
  private release: () => void = () => undefined;

  constructor(private readonly options: InProcessMessageBusOptions = {}) {
    this.started = options.holdUntilStarted ? new Promise((resolve) => (this.release = resolve)) : Promise.resolve();
  }

  /** Lets held publishes through; a no-op unless the bus was built with `holdUntilStarted`. */
  start(): void {
    this.release();
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new MessageBusUnavailable('the message bus is closed');
    if (this.options.holdUntilStarted) {
      await this.started;
      if (this.closed) throw new MessageBusUnavailable('the message bus is closed');
    }
    const envelopes = messages.map(({ key, event }) => ({ topic, key, payload: JSON.stringify(event) }));
    await Promise.all(envelopes.map((envelope) => this.enqueue(envelope)));
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    if (this.closed) throw new MessageBusUnavailable('the message bus is closed');
    const member: Member = { id: this.nextMemberId++, options, inFlight: new Set() };
    const joined = options.topics.map((topic) => this.groupOf(topic, options.groupId));
    for (const group of joined) {
      group.members.push(member);
      for (const key of group.queues.keys()) this.work(group, key);
    }
    return { stop: () => this.leave(member, joined) };
  }

  async isHealthy(): Promise<boolean> {
    return !this.closed;
  }

  /** Drops queued deliveries and releases every waiting publisher; later publishes fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.release();
    const inFlight: Promise<void>[] = [];
    for (const group of [...this.groups.values()].flatMap((byGroup) => [...byGroup.values()])) {
      for (const member of group.members) inFlight.push(...member.inFlight);
      group.members = [];
      for (const delivery of [...group.queues.values()].flat()) delivery.settle();
      group.queues.clear();
    }
    await Promise.allSettled(inFlight);
  }

  /** Messages that exhausted their attempts, oldest first, for operators and tests. */
  deadLetters(topic?: string): DeadLetter[] {
    return this.deadLettered.filter((letter) => topic === undefined || letter.topic === topic);
  }

  private enqueue(message: Envelope): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const group of this.groups.get(message.topic)?.values() ?? []) {
      let settle!: () => void;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      const queue = group.queues.get(message.key) ?? [];
      queue.push({ message, settle });
      group.queues.set(message.key, queue);
      if (group.members.length > 0) waits.push(settled);
      else settle(); // parked for the group's return; nobody is there to wait for
      this.work(group, message.key);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Drains one key of one group, one message at a time, so order per key holds. */
  private work(group: Group, key: string): void {
    if (group.working.has(key) || group.members.length === 0) return;
    group.working.add(key);
    void this.drain(group, key);
  }

  private async drain(group: Group, key: string): Promise<void> {
    try {
      for (;;) {
        const queue = group.queues.get(key);
        const delivery = queue?.[0];
        if (!queue || !delivery) return void group.queues.delete(key);
        if (!(await this.deliver(group, delivery))) break; // no member left: the key waits for a rejoin
        queue.shift();
        delivery.settle();
      }
    } finally {
      group.working.delete(key);
    }
    // A member may have rejoined while the last attempt was settling.
    this.work(group, key);
  }

  /** True once the message is handled or dead-lettered; false when no member is left to handle it. */
  private async deliver(group: Group, delivery: Delivery): Promise<boolean> {
    const { topic, key, payload } = delivery.message;
    for (let attempt = 1; ; attempt++) {
      const member = pick(group.members, key);
      if (!member) return false;
      const event = JSON.parse(payload) as IntegrationEvent;
      const handled = Promise.resolve().then(() => member.options.handler(event, { topic, key, attempt }));
      const tracked = handled.then(ignore, ignore);
      member.inFlight.add(tracked);
      try {
        await handled;
        return true;
      } catch (error) {
        if (attempt >= (member.options.maxAttempts ?? 5)) {
          this.deadLetter(delivery.message, error, attempt);
          return true;
        }
      } finally {
        member.inFlight.delete(tracked);
      }
      await sleep(Math.min(this.options.retryMaxMs ?? 1_000, (this.options.retryInitialMs ?? 10) * 2 ** (attempt - 1)));
    }
  }

  private deadLetter(message: Envelope, error: unknown, attempts: number): void {
    this.deadLettered.push({
      topic: message.topic,
      key: message.key,
      event: JSON.parse(message.payload) as IntegrationEvent,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      attempts,
    });
    // Not awaited: the key moves on whatever the dead-letter topic's consumers do.
    void this.enqueue({ ...message, topic: `${message.topic}${DEAD_LETTER_SUFFIX}` });
  }

  private groupOf(topic: string, groupId: string): Group {
    const byGroup = this.groups.get(topic) ?? new Map<string, Group>();
    this.groups.set(topic, byGroup);
    const group = byGroup.get(groupId) ?? { id: groupId, topic, members: [], queues: new Map(), working: new Set() };
    byGroup.set(groupId, group);
    return group;
  }

  private async leave(member: Member, groups: Group[]): Promise<void> {
    for (const group of groups) {
      group.members = group.members.filter((m) => m !== member);
      // Nobody left to handle them: release the publishers; the messages stay queued for a rejoin.
      if (group.members.length === 0) for (const delivery of [...group.queues.values()].flat()) delivery.settle();
    }
    await Promise.allSettled([...member.inFlight]);
  }
}

/** Keys stick to a member while membership is stable, as partitions do to Kafka consumers. */
const pick = (members: Member[], key: string): Member | undefined => members[hash(key) % members.length];

const hash = (text: string): number => {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
};

const ignore = () => undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
