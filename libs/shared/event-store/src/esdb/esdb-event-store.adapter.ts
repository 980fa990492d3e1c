import {
  type AllStreamResolvedEvent,
  type AppendStreamState,
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  type Position,
  type ReadPosition,
  START,
  streamNameFilter,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { canonicalJson } from '../canonical-json.js';
import { type EventMetadata } from '@vgp/contracts';
import {
  type AppendResult,
  categoryOf,
  DuplicateEventId,
  type EventStore,
  EventStoreUnavailable,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
  WrongExpectedRevision,
} from '../event-store.port.js';

export type EsdbEventStoreOptions = {
  /** e.g. `kurrentdb://127.0.0.1:2113?tls=false`, or `esdb://` / `kurrentdb+discover://` for a cluster. */
  connectionString: string;
  /** Pause between two attempts at an event whose handler failed. */
  retryBackoffMs?: number;
  /** A subscription stores its checkpoint after this many handled events (and when caught up, and on stop). */
  checkpointEvery?: number;
  /** Store clock, for events appended without `occurredAt`. */
  now?: () => Date;
  /**
   * Lets several services share one server: this store's streams are `<namespace>.<streamId>` there, it reads
   * and subscribes to its own namespace only, and hands stream ids back without it. Unset: streams as named.
   */
  namespace?: string;
};

/** What the store keeps in an event's metadata (everything of the envelope that is not data). */
type StoredMetadata = EventMetadata & {
  occurredAt: string;
  schemaVersion: number;
  // KurrentDB's own conventions, so its projections and UI link related events.
  $correlationId: string;
  $causationId?: string;
};

/** Streams of this category hold subscription checkpoints; the category is reserved. */
const CHECKPOINT_CATEGORY = 'checkpoint';
const checkpointStream = (subscriptionId: string) => `${CHECKPOINT_CATEGORY}-${subscriptionId}`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Positions: an event's global position is its prepare position in the transaction log (a byte offset,
 * exact as a JS number below 2^53 bytes = 8 PiB). Every event has its own, they grow with log order,
 * and each is a record boundary the server can start a read from.
 */
const positionOf = (p: Position | undefined): number => {
  if (!p) throw new Error('event read from $all without a position');
  return Number(p.prepare);
};

/**
 * The event store on EventStoreDB/KurrentDB through @kurrent/kurrentdb-client. Streams are `category-id`;
 * our event id is the server's event id, so the server's idempotent append absorbs a retried batch.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly now: () => Date;
  private readonly retryBackoffMs: number;
  private readonly checkpointEvery: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly prefix: string;

  constructor(options: EsdbEventStoreOptions) {
    if (options.namespace !== undefined && !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(options.namespace)) {
      throw new RangeError(`event store namespace ${JSON.stringify(options.namespace)}: use [A-Za-z0-9._-], not starting with '.'`);
    }
    this.prefix = options.namespace ? `${options.namespace}.` : '';
    this.client = KurrentDBClient.connectionString(options.connectionString);
    this.now = options.now ?? (() => new Date());
    this.retryBackoffMs = options.retryBackoffMs ?? 250;
    this.checkpointEvery = options.checkpointEvery ?? 100;
  }

  async append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    const ids = new Set<string>();
    for (const e of events) {
      if (ids.has(e.id)) throw new DuplicateEventId(e.id);
      ids.add(e.id);
    }
    const occurredAt = this.now().toISOString();
    const payload = events.map((e) =>
      jsonEvent({
        id: e.id,
        type: e.type,
        data: e.data as Record<string, unknown>,
        metadata: {
          ...e.metadata,
          occurredAt: e.occurredAt ?? occurredAt,
          schemaVersion: e.schemaVersion ?? 1,
          $correlationId: e.metadata.correlationId,
          ...(e.metadata.causationId ? { $causationId: e.metadata.causationId } : {}),
        } satisfies StoredMetadata,
      }),
    );
    let next: number;
    try {
      const result = await this.client.appendToStream(this.prefix + streamId, payload, { streamState: toStreamState(expectedRevision) });
      next = Number(result.nextExpectedRevision);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState === 'no_stream' ? 'no_stream' : Number(error.actualState);
        throw new WrongExpectedRevision(streamId, expectedRevision, actual);
      }
      throw this.unavailable(`append to ${streamId}`, error);
    }
    // The server's idempotency matches event ids only; read the batch back so a reused id with other content
    // is refused, and so a first write and its retry answer with the same position.
    const stored = await this.readStream(streamId, next - events.length + 1);
    const written = stored.slice(0, events.length);
    events.forEach((e, i) => {
      const s = written[i];
      if (!s || s.id !== e.id || s.type !== e.type || canonicalJson(s.data) !== canonicalJson(e.data)) throw new DuplicateEventId(e.id);
    });
    return { nextExpectedRevision: next, position: written[written.length - 1]?.position ?? 0 };
  }

  async readStream(streamId: string, fromRevision = 0): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.prefix + streamId, {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
      })) {
        const event = this.toStored(resolved as AllStreamResolvedEvent);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw this.unavailable(`read ${streamId}`, error);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const after = options.fromPosition ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: StoredEvent[] = [];
    try {
      const read = this.client.readAll({
        fromPosition: await this.startOf(after),
        direction: FORWARDS,
        filter: this.filterOf(options.categories),
        // One more than asked: the event at the start position itself is skipped below.
        ...(Number.isFinite(limit) ? { maxCount: BigInt(limit + 1) } : {}),
      });
      for await (const resolved of read) {
        const event = this.toStored(resolved);
        if (!event || event.position <= after) continue;
        out.push(event);
        if (out.length >= limit) break;
      }
    } catch (error) {
      throw this.unavailable('read $all', error);
    }
    return out;
  }

  subscribe(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const subscription = new EsdbSubscription(this, options, handler, {
      retryBackoffMs: this.retryBackoffMs,
      checkpointEvery: this.checkpointEvery,
    });
    this.subscriptions.add(subscription);
    subscription.start();
    const stop = subscription.stop.bind(subscription);
    subscription.stop = async () => {
      this.subscriptions.delete(subscription);
      await stop();
    };
    return subscription;
  }

  async readCheckpoint(subscriptionId: string): Promise<number | null> {
    const stream = this.prefix + checkpointStream(subscriptionId);
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        return (resolved.event?.data as { position: number } | undefined)?.position ?? null;
      }
      return null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw this.unavailable(`read ${stream}`, error);
    }
  }

  async storeCheckpoint(subscriptionId: string, position: number): Promise<void> {
    const stream = this.prefix + checkpointStream(subscriptionId);
    try {
      await this.client.appendToStream(stream, jsonEvent({ type: 'CheckpointStored', data: { position } }));
      // Only the latest checkpoint matters; the server scavenges older ones.
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
    } catch (error) {
      throw this.unavailable(`store checkpoint ${subscriptionId}`, error);
    }
  }

  async isHealthy(): Promise<boolean> {
    try {
      for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: 3_000 })) break;
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  // --- used by EsdbSubscription ---

  /** The server position to start reading at so that every event after `after` is seen. */
  async startOf(after: number): Promise<ReadPosition> {
    if (after <= 0) return START;
    const exact = { commit: BigInt(after), prepare: BigInt(after) };
    try {
      for await (const _ of this.client.readAll({ fromPosition: exact, maxCount: 1 })) break;
      return exact;
    } catch {
      // Not a record boundary (a position from elsewhere, or `position - 1`): walk back from the end to the
      // nearest event at or before it. Checkpoints are always exact, so this stays off the hot path.
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END })) {
        const p = resolved.event?.position;
        if (p && Number(p.prepare) <= after) return p;
      }
      return START;
    }
  }

  filterOf(categories: string[] | undefined) {
    // System streams ($...) and checkpoint streams are never part of the history.
    const exclude = `(?!\\$)(?!${CHECKPOINT_CATEGORY}-)`;
    const only = categories?.length ? `(${categories.map(escapeRegex).join('|')})(-|$)` : '';
    return streamNameFilter({ regex: `^${escapeRegex(this.prefix)}${exclude}${only}` });
  }

  /** The position of the newest event the filter lets through, or 0 when there is none. */
  async headPosition(categories: string[] | undefined): Promise<number> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      filter: this.filterOf(categories),
      maxCount: 1,
    })) {
      return resolved.event ? positionOf(resolved.event.position) : 0;
    }
    return 0;
  }

  get kurrent(): KurrentDBClient {
    return this.client;
  }

  /** The stored event with its stream id as the store's users name it; null for what is not theirs. */
  toStored(resolved: AllStreamResolvedEvent): StoredEvent | null {
    const streamId = resolved.event?.streamId;
    if (!streamId?.startsWith(this.prefix)) return null;
    return toStored(resolved, streamId.slice(this.prefix.length));
  }

  unavailable(what: string, error: unknown): Error {
    if (error instanceof WrongExpectedRevision || error instanceof DuplicateEventId) return error;
    return new EventStoreUnavailable(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/**
 * A catch-up subscription to $all: past events, then live ones, one at a time. A failing handler is retried on
 * the same event (the stream is not read further meanwhile), and the checkpoint only ever names handled events.
 */
class EsdbSubscription implements Subscription {
  private handledPosition = 0;
  private storedPosition = 0;
  private sinceCheckpoint = 0;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();
  private source?: ReturnType<KurrentDBClient['subscribeToAll']>;

  constructor(
    private readonly store: EsdbEventStore,
    private readonly options: SubscribeOptions,
    private readonly handler: SubscriptionHandler,
    private readonly settings: { retryBackoffMs: number; checkpointEvery: number },
  ) {}

  start(): void {
    this.running = this.run().catch(() => undefined);
  }

  async caughtUp(): Promise<void> {
    const target = await this.store.headPosition(this.options.categories);
    while (!this.stopped && this.handledPosition < target) {
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        setTimeout(resolve, 200); // also re-checks while a handler is being retried
      });
    }
    await this.flushCheckpoint();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source?.unsubscribe().catch(() => undefined);
    await this.running;
    await this.flushCheckpoint().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { subscriptionId } = this.options;
    const from = subscriptionId
      ? ((await this.store.readCheckpoint(subscriptionId)) ?? this.options.fromPosition ?? 0)
      : (this.options.fromPosition ?? 0);
    this.handledPosition = from;
    this.storedPosition = from;
    // Reconnects (server restart, leader change) resume after the last handled event.
    while (!this.stopped) {
      try {
        this.source = this.store.kurrent.subscribeToAll({
          fromPosition: await this.store.startOf(this.handledPosition),
          filter: this.store.filterOf(this.options.categories),
        });
        for await (const resolved of this.source) {
          if (this.stopped) return;
          const event = this.store.toStored(resolved);
          if (!event || event.position <= this.handledPosition) continue;
          await this.handle(event);
        }
      } catch {
        if (this.stopped) return;
        await sleep(this.settings.retryBackoffMs);
      }
    }
  }

  private async handle(event: StoredEvent): Promise<void> {
    for (;;) {
      if (this.stopped) throw new Error('subscription stopped');
      try {
        await this.handler(event);
        break;
      } catch {
        await sleep(this.settings.retryBackoffMs);
      }
    }
    this.handledPosition = event.position;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    if (++this.sinceCheckpoint >= this.settings.checkpointEvery) await this.flushCheckpoint();
  }

  private async flushCheckpoint(): Promise<void> {
    const { subscriptionId } = this.options;
    if (!subscriptionId || this.handledPosition === this.storedPosition) return;
    const position = this.handledPosition;
    await this.store.storeCheckpoint(subscriptionId, position);
    this.storedPosition = position;
    this.sinceCheckpoint = 0;
  }
}

const toStreamState = (expected: ExpectedRevision): AppendStreamState => (typeof expected === 'number' ? BigInt(expected) : expected);

const toStored = (resolved: AllStreamResolvedEvent, streamId: string): StoredEvent | null => {
  const e = resolved.event;
  if (!e || !e.isJson || e.type.startsWith('$') || categoryOf(streamId) === CHECKPOINT_CATEGORY) return null;
  const m = e.metadata as unknown as StoredMetadata;
  return {
    id: e.id,
    type: e.type,
    schemaVersion: m.schemaVersion,
    streamId,
    revision: Number(e.revision),
    position: positionOf(e.position),
    occurredAt: m.occurredAt,
    correlationId: m.correlationId,
    causationId: m.causationId,
    actor: m.actor,
    softwareVersion: m.softwareVersion,
    featureFlags: m.featureFlags,
    data: e.data,
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
