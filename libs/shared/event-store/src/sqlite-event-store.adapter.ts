import { DatabaseSync, StatementSync } from 'node:sqlite';
import { canonicalJson } from './canonical-json.js';
import { CatchUpSubscriptions, type SubscriptionLogger } from './catch-up-subscription.js';
import {
  type AppendResult,
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
} from './event-store.port.js';
import { UpcasterRegistry, upcasters as defaultUpcasters } from './upcasters.js';

export type SqliteEventStoreOptions = {
  /** A database file (created when missing; its folder must exist), or ':memory:'. */
  path: string;
  /** FULL (default) makes every commit durable; NORMAL in WAL mode may lose the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Time for events appended without `occurredAt`, and for checkpoints. */
  clock?: () => Date;
  /** How often subscriptions look for events that another process wrote to the same file. */
  pollIntervalMs?: number;
  /**
   * How long a write waits for another connection's lock before it fails. The wait never blocks the event loop:
   * SQLite is asked not to wait (busy_timeout 0) and the write is tried again on a timer.
   */
  busyTimeoutMs?: number;
  /** Group commit: at most this many concurrent appends share one transaction. */
  maxAppendsPerCommit?: number;
  upcasters?: UpcasterRegistry;
  logger?: SubscriptionLogger;
};

// The category column and its index make category reads (outbox, projections) cheap.
// The triggers make the database itself refuse to change history, whoever connects to it.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  stream_id TEXT NOT NULL,
  revision INTEGER NOT NULL CHECK (revision >= 0),
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT,
  actor TEXT NOT NULL CHECK (json_valid(actor)),
  software_version TEXT NOT NULL,
  feature_flags TEXT NOT NULL CHECK (json_valid(feature_flags)),
  data TEXT NOT NULL CHECK (json_valid(data)),
  category TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(stream_id, '-') = 0 THEN stream_id ELSE substr(stream_id, 1, instr(stream_id, '-') - 1) END
  ) VIRTUAL,
  UNIQUE (stream_id, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
CREATE TRIGGER IF NOT EXISTS events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
CREATE TABLE IF NOT EXISTS checkpoints (
  subscription_id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  written_at TEXT NOT NULL
);
`;

const COLUMNS = `position, id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
  causation_id, actor, software_version, feature_flags, data`;

type EventRow = {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  schema_version: number;
  occurred_at: string;
  correlation_id: string;
  causation_id: string | null;
  actor: string;
  software_version: string;
  feature_flags: string;
  data: string;
};

/** Column values of one new event, computed before the transaction so bad input is not mistaken for a store failure. */
type PreparedEvent = {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actor: string;
  softwareVersion: string;
  featureFlags: string;
  data: string;
};

type PendingAppend = {
  queuedAt: number;
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
};

type Outcome = { ok: true; result: AppendResult; written: boolean } | { ok: false; error: Error };

/** Commits of this store so far: `appends ÷ commits` is how many appends shared each fsync. */
export type GroupCommitStats = { commits: number; appends: number };

/**
 * The embedded event store: one SQLite file per context, in WAL mode so subscriptions read
 * while appends write. Appends are serialised by SQLite's write lock (BEGIN IMMEDIATE), which
 * also covers other processes writing the same file.
 *
 * Group commit (docs/decisions/0025): node:sqlite blocks the event loop while it commits, so an append
 * is queued and committed from a setImmediate callback; every append queued by then (the same tick, or
 * requests that arrived during the previous commit's fsync) shares that transaction and its one fsync.
 * Each append runs in its own savepoint, in arrival order, so it is decided exactly as if it ran alone.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: DatabaseSync;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly subscriptions: CatchUpSubscriptions;
  private readonly clock: () => Date;
  private readonly upcasters: UpcasterRegistry;
  private readonly maxAppendsPerCommit: number;
  private queue: PendingAppend[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly stats: GroupCommitStats = { commits: 0, appends: 0 };
  private closed = false;
  private readonly busyTimeoutMs: number;

  constructor(options: SqliteEventStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.upcasters = options.upcasters ?? defaultUpcasters;
    this.maxAppendsPerCommit = Math.max(1, options.maxAppendsPerCommit ?? 100);
    this.busyTimeoutMs = Math.max(0, options.busyTimeoutMs ?? 5_000);
    this.subscriptions = new CatchUpSubscriptions(
      {
        headPosition: async () => this.headPosition(),
        readRange: (after, upTo, limit, categories) => this.readRange(after, upTo, limit, categories),
        readCheckpoint: (id) => this.readCheckpoint(id),
        storeCheckpoint: (id, position) => this.storeCheckpoint(id, position),
      },
      { pollIntervalMs: options.pollIntervalMs ?? 250, logger: options.logger },
    );
    try {
      this.db = new DatabaseSync(options.path);
      // Opening happens before anything is served, so it may wait for the lock; after that SQLite never waits:
      // a synchronous lock wait would stall the whole process (health probes included), so writes retry on a timer.
      this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.busyTimeoutMs)}`);
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec(`PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      this.db.exec(SCHEMA);
      this.statements = prepareStatements(this.db);
      this.db.exec('PRAGMA busy_timeout = 0');
    } catch (error) {
      throw new EventStoreUnavailable(`cannot open the event store at ${options.path}: ${messageOf(error)}`, error);
    }
  }

  async append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    const prepared = events.map((event) => this.prepare(event));
    const duplicate = prepared.find((event, i) => prepared.findIndex((other) => other.id === event.id) !== i);
    if (duplicate) throw new DuplicateEventId(duplicate.id);

    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ queuedAt: Date.now(), streamId, events: prepared, expected: expectedRevision, resolve, reject });
      this.schedule();
    });
  }

  /** How many transactions committed, and how many appends they held. */
  groupCommitStats(): GroupCommitStats {
    return { ...this.stats };
  }

  async readStream(streamId: string, fromRevision = 0): Promise<StoredEvent[]> {
    return this.read(() => this.statements.readStream.all(streamId, fromRevision));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return this.readRange(options.fromPosition ?? 0, Number.MAX_SAFE_INTEGER, options.limit ?? -1, options.categories);
  }

  subscribe(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    this.assertOpen();
    return this.subscriptions.open(options, handler);
  }

  async readCheckpoint(subscriptionId: string): Promise<number | null> {
    this.assertOpen();
    const row = this.guard(() => this.statements.readCheckpoint.get(subscriptionId)) as { position: number } | undefined;
    return row ? row.position : null;
  }

  async storeCheckpoint(subscriptionId: string, position: number): Promise<void> {
    this.assertOpen();
    await this.whenUnlocked(Date.now() + this.busyTimeoutMs, () =>
      this.statements.storeCheckpoint.run(subscriptionId, position, this.clock().toISOString()),
    );
  }

  /**
   * Healthy when a write commits now: a probe row is written and synced like an append, so a full disk, a
   * read-only file or a lock another process keeps for over a second all answer false, without blocking.
   */
  async isHealthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.whenUnlocked(Date.now() + Math.min(1_000, this.busyTimeoutMs), () => {
        this.db.exec('BEGIN IMMEDIATE');
        try {
          this.statements.probe.run(this.clock().toISOString());
          this.db.exec('COMMIT');
        } catch (error) {
          if (this.db.isTransaction) this.db.exec('ROLLBACK');
          throw error;
        }
      });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.subscriptions.stopAll();
    // Appends already taken are committed or refused, never dropped.
    while (this.queue.length > 0) {
      this.commitNext();
      if (this.queue.length > 0 && this.retryTimer) await new Promise((done) => setTimeout(done, LOCK_RETRY_MS));
    }
    this.closed = true;
    this.db.close();
  }

  // --- appends: group commit -------------------------------------------------------------------------------

  private schedule(): void {
    if (this.retryTimer === null) this.scheduled ??= setImmediate(() => this.commitNext());
  }

  /** Commits the oldest queued appends in one transaction, then answers each of them; the rest go in the next. */
  private commitNext(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.scheduled = null;
    this.retryTimer = null;
    const batch = this.queue.splice(0, this.maxAppendsPerCommit);
    if (batch.length === 0) return;

    let outcomes: Outcome[];
    try {
      outcomes = this.transaction(batch);
    } catch (error) {
      if (isBusy(error) && Date.now() - batch[0].queuedAt < this.busyTimeoutMs && !this.closed) {
        // Another connection holds the write lock: the batch keeps its place and is tried again on a timer.
        this.queue.unshift(...batch);
        this.retryTimer = setTimeout(() => this.commitNext(), LOCK_RETRY_MS);
        return;
      }
      if (this.queue.length > 0) this.schedule();
      // Nothing of the batch is stored, and a refusal decided against an earlier append's rolled-back
      // rows would be wrong too: every caller gets the failure.
      for (const pending of batch)
        pending.reject(new EventStoreUnavailable(`append to ${pending.streamId} failed: ${messageOf(error)}`, error));
      return;
    }
    if (this.queue.length > 0) this.schedule();
    this.stats.commits++;
    this.stats.appends += batch.length;
    // Answers only now, after COMMIT (and its fsync at synchronous=FULL) has returned.
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i].resolve(outcome.result) : batch[i].reject(outcome.error)));
    if (outcomes.some((outcome) => outcome.ok && outcome.written)) this.subscriptions.wake();
  }

  /** No await from BEGIN to COMMIT: nothing else in this process can interleave. */
  private transaction(batch: PendingAppend[]): Outcome[] {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const outcomes = batch.map((pending) => this.appendInSavepoint(pending));
      this.db.exec('COMMIT');
      return outcomes;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** One append of a batch, undone alone when it is refused or its statements fail. */
  private appendInSavepoint({ streamId, events, expected }: PendingAppend): Outcome {
    this.statements.savepoint.run();
    try {
      const outcome = this.appendInTransaction(streamId, events, expected);
      this.statements.release.run();
      return { ok: true, ...outcome };
    } catch (error) {
      // Some failures end the whole transaction (a full disk, an I/O error, RAISE(ROLLBACK)): then the batch fails.
      if (!this.db.isTransaction) throw error;
      this.statements.rollbackToSavepoint.run();
      this.statements.release.run();
      if (error instanceof WrongExpectedRevision || error instanceof DuplicateEventId) return { ok: false, error };
      return { ok: false, error: new EventStoreUnavailable(`append to ${streamId} failed: ${messageOf(error)}`, error) };
    }
  }

  private appendInTransaction(
    streamId: string,
    events: PreparedEvent[],
    expected: ExpectedRevision,
  ): { result: AppendResult; written: boolean } {
    const stored = events.map((event) => this.statements.byId.get(event.id) as EventRow | undefined);
    if (stored.some(Boolean)) {
      // A retry of an append that already succeeded answers as the original did; anything else
      // under a stored id (other stream, type or data, or a batch that only partly matches) is a conflict.
      const conflict = events.find((event, i) => !isSameEvent(stored[i], streamId, event));
      if (conflict) throw new DuplicateEventId(conflict.id);
      const last = (stored as EventRow[]).reduce((a, b) => (a.position > b.position ? a : b));
      return { result: { nextExpectedRevision: last.revision, position: last.position }, written: false };
    }

    const head = this.statements.streamHead.get(streamId) as { revision: number; position: number } | undefined;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && !head) ||
      (expected === 'stream_exists' && !!head) ||
      (typeof expected === 'number' && head?.revision === expected);
    if (!ok) throw new WrongExpectedRevision(streamId, expected, head ? head.revision : 'no_stream');

    let revision = head ? head.revision : -1;
    let position = head ? head.position : 0;
    for (const event of events) {
      revision++;
      const run = this.statements.insert.run(
        event.id,
        streamId,
        revision,
        event.type,
        event.schemaVersion,
        event.occurredAt,
        event.correlationId,
        event.causationId,
        event.actor,
        event.softwareVersion,
        event.featureFlags,
        event.data,
      );
      position = Number(run.lastInsertRowid);
    }
    return { result: { nextExpectedRevision: revision, position }, written: events.length > 0 };
  }

  private prepare(event: NewEvent): PreparedEvent {
    const { metadata } = event;
    return {
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      occurredAt: event.occurredAt ?? this.clock().toISOString(),
      correlationId: metadata.correlationId,
      causationId: metadata.causationId,
      actor: JSON.stringify(metadata.actor),
      softwareVersion: metadata.softwareVersion,
      featureFlags: JSON.stringify(metadata.featureFlags),
      data: JSON.stringify(event.data ?? null),
    };
  }

  private headPosition(): number {
    this.assertOpen();
    return (this.guard(() => this.statements.head.get()) as { head: number }).head;
  }

  private async readRange(after: number, upTo: number, limit: number, categories?: string[]): Promise<StoredEvent[]> {
    return this.read(() =>
      categories
        ? this.statements.readCategories.all(JSON.stringify(categories), after, upTo, limit)
        : this.statements.readAll.all(after, upTo, limit),
    );
  }

  private read(query: () => unknown[]): StoredEvent[] {
    this.assertOpen();
    return (this.guard(query) as EventRow[]).map((row) => this.upcasters.upcast(toStoredEvent(row)));
  }

  /** Runs a write, trying again on a timer (never a synchronous wait) while another connection holds the lock. */
  private async whenUnlocked<T>(deadline: number, write: () => T): Promise<T> {
    for (;;) {
      try {
        return write();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline)
          throw new EventStoreUnavailable(`event store write failed: ${messageOf(error)}`, error);
      }
      await new Promise((done) => setTimeout(done, LOCK_RETRY_MS));
      this.assertOpen();
    }
  }

  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw new EventStoreUnavailable(`event store query failed: ${messageOf(error)}`, error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('the event store is closed');
  }
}

const prepareStatements = (db: DatabaseSync) => {
  const statement = (sql: string): StatementSync => db.prepare(sql);
  return {
    head: statement('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
    streamHead: statement('SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
    byId: statement(`SELECT ${COLUMNS} FROM events WHERE id = ?`),
    insert: statement(
      `INSERT INTO events (id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
        causation_id, actor, software_version, feature_flags, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    readStream: statement(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`),
    readAll: statement(`SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`),
    readCategories: statement(
      `SELECT ${COLUMNS} FROM events WHERE category IN (SELECT value FROM json_each(?))
        AND position > ? AND position <= ? ORDER BY position LIMIT ?`,
    ),
    savepoint: statement('SAVEPOINT append'),
    release: statement('RELEASE append'),
    rollbackToSavepoint: statement('ROLLBACK TO append'),
    readCheckpoint: statement('SELECT position FROM checkpoints WHERE subscription_id = ?'),
    probe: statement(
      'INSERT INTO store_probe (id, written_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at',
    ),
    storeCheckpoint: statement(
      `INSERT INTO checkpoints (subscription_id, position, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (subscription_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ),
  };
};

const toStoredEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  streamId: row.stream_id,
  revision: row.revision,
  occurredAt: row.occurred_at,
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  actor: JSON.parse(row.actor),
  softwareVersion: row.software_version,
  featureFlags: JSON.parse(row.feature_flags),
  data: JSON.parse(row.data),
  position: row.position,
});

const isSameEvent = (row: EventRow | undefined, streamId: string, event: PreparedEvent): boolean =>
  !!row &&
  row.stream_id === streamId &&
  row.type === event.type &&
  canonicalJson(JSON.parse(row.data)) === canonicalJson(JSON.parse(event.data));

/** How often a write blocked by another connection's lock is tried again. */
const LOCK_RETRY_MS = 10;

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
const isBusy = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { errcode?: number }).errcode ?? 0) % 256 === 5;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
