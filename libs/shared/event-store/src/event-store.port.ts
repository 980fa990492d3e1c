import { type EventEnvelope, type EventMetadata } from '@vgp/contracts';
import { DomainError } from '@vgp/domain';

/** Injection token of a context's own event store (each context has its own). */
export const EVENT_STORE = Symbol('EVENT_STORE');

/** An event as the store holds it: the envelope plus its place in the global order (1-based). */
export type StoredEvent<T extends string = string, D = unknown> = EventEnvelope<T, D> & { position: number };

/** An event to append. `id` makes the append idempotent: the same id twice is stored once. */
export type NewEvent<T extends string = string, D = unknown> = {
  id: string;
  type: T;
  data: D;
  schemaVersion?: number;
  /** Defaults to the store's clock; commands carry their own time so domain code stays pure. */
  occurredAt?: string;
  metadata: EventMetadata;
};

/**
 * `no_stream`: the stream must not exist. `stream_exists`: it must. `any`: no check.
 * A number is the revision (0-based) of the stream's last event.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export type AppendResult = { nextExpectedRevision: number; position: number };

/** A writer lease the append is made under: its name, its holder and the epoch (token) the holder was granted. */
export type LeaseFence = { lease: string; holder: string; token: number };

export type AppendOptions = {
  /**
   * A store that keeps leases (WriterLeases) refuses the append with LeaseLost unless the holder still holds the
   * lease at this token, checked inside the append's own transaction. A store without leases serves one process,
   * the only writer there is, and ignores it.
   */
  fence?: LeaseFence;
};

export type ReadAllOptions = { fromPosition?: number; limit?: number; categories?: string[] };

export type SubscriptionHandler = (event: StoredEvent) => Promise<void>;

export type SubscribeOptions = {
  /** With an id, the subscription stores its checkpoint and resumes after it on the next start. */
  subscriptionId?: string;
  /** Without a subscription id: start after this position (0 = from the beginning). */
  fromPosition?: number;
  /** Only events of these stream categories (the part of a stream id before the first '-'). */
  categories?: string[];
};

export interface Subscription {
  /** Resolves once every event appended before the call has been handled (for tests and boot). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision, options?: AppendOptions): Promise<AppendResult>;
  /** All events of one stream in revision order; an empty array when the stream does not exist. */
  readStream(streamId: string, fromRevision?: number): Promise<StoredEvent[]>;
  /** Events of every stream in global order, after `fromPosition`. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** Live, ordered, at-least-once: a handler that throws is retried and its checkpoint not moved. */
  subscribe(options: SubscribeOptions, handler: SubscriptionHandler): Subscription;
  readCheckpoint(subscriptionId: string): Promise<number | null>;
  storeCheckpoint(subscriptionId: string, position: number): Promise<void>;
  /** True when the store can take writes; used by readiness checks. */
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};

export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** An event id already stored with different content, or in another stream. */
export class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`event ${eventId} is already stored with other content`);
    this.name = 'DuplicateEventId';
  }
}

/**
 * The store could not durably take the write (or serve the read); callers must deny, never answer as if it
 * had. `message` is for logs; clients see the fixed detail of the `store-unavailable` problem.
 */
export class EventStoreUnavailable extends DomainError {
  readonly code = 'store-unavailable';
  readonly kind = 'unavailable';
  constructor(message: string, cause?: unknown) {
    super(message, { title: 'Service Unavailable', cause });
  }

  override get detail(): string {
    return 'Storage is unavailable right now, so nothing was recorded or sent. Retry shortly.';
  }
}
