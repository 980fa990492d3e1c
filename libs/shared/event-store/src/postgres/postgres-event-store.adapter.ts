import { Client, type Notification, Pool, type PoolClient } from 'pg';
import { canonicalJson } from '../canonical-json.js';
import { CatchUpSubscriptions, type SubscriptionLogger } from '../catch-up-subscription.js';
import {
  type AppendOptions,
  type AppendResult,
  DuplicateEventId,
  type EventStore,
  EventStoreUnavailable,
  type ExpectedRevision,
  type LeaseFence,
  type NewEvent,
  type ReadAllOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
  WrongExpectedRevision,
} from '../event-store.port.js';
import { type LeaseGrant, LeaseLost, type WriterLeases } from '../writer-lease.port.js';
import { UpcasterRegistry, upcasters as defaultUpcasters } from '../upcasters.js';
import { assertSchemaName, DEFAULT_EVENT_STORE_SCHEMA, messageOf, notificationChannel, positionLockSql } from './postgres-schema.js';

export type PostgresEventStoreOptions = {
  /** The application role's connection string (SELECT and INSERT on events); the schema must be migrated. */
  connectionString: string;
  /** The schema the store's tables are in (see migratePostgresEventStore); several stores can share a database. */
  schema?: string;
  /** Connections for reads and appends (appends use one at a time); one more is kept for LISTEN. */
  poolSize?: number;
  /** Subscriptions are woken by NOTIFY; polling at this interval covers a lost listener connection. */
  pollIntervalMs?: number;
  /** Group commit: at most this many concurrent appends share one transaction. */
  maxAppendsPerCommit?: number;
  /** How long connecting may take before the operation fails with EventStoreUnavailable. */
  connectionTimeoutMs?: number;
  /** Server-side cap on one statement, and on waiting for a lock (the position lock included). */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** Time for events appended without `occurredAt`, and for checkpoints. */
  clock?: () => Date;
  upcasters?: UpcasterRegistry;
  logger?: SubscriptionLogger;
};

const COLUMNS = `position, id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
  causation_id, actor, software_version, feature_flags, data`;

type EventRow = {
  position: string;
  id: string;
  stream_id: string;
  revision: string;
  type: string;
  schema_version: number;
  occurred_at: Date;
  correlation_id: string;
  causation_id: string | null;
  actor: StoredEvent['actor'];
  software_version: string;
  feature_flags: string[];
  data: unknown;
};

/** One new event, checked and serialised before it reaches a transaction. */
type PreparedEvent = {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actor: unknown;
  softwareVersion: string;
  featureFlags: unknown;
  data: unknown;
  /** Canonical JSON of the data: what a retry must match. */
  canonicalData: string;
};

type PendingAppend = {
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  fence?: LeaseFence;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
};

/** What the store already holds for one event id, or what an earlier append of the same batch wrote. */
type KnownEvent = { streamId: string; revision: number; position: number; type: string; canonicalData: string };
type StreamHead = { revision: number; position: number };

/** The state one group commit decides against, read in one round trip under the position lock. */
type BatchState = {
  head: string;
  stored: (Omit<KnownEvent, 'canonicalData'> & { id: string; data: unknown })[];
  heads: (StreamHead & { streamId: string })[];
};

/** A lease as the batch's transaction sees it, locked against takeover until the batch commits. */
type HeldLease = { name: string; holder: string; token: string; live: boolean };

type Decision = { ok: true; result: AppendResult; rows: InsertRow[] } | { ok: false; error: Error };
type InsertRow = {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  schema_version: number;
  occurred_at: string;
  correlation_id: string;
  causation_id: string | null;
  actor: unknown;
  software_version: string;
  feature_flags: unknown;
  data: unknown;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** U+0000 as JSON.stringify writes it (an unescaped backslash, then u0000): PostgreSQL's jsonb and text refuse it. */
const NUL_IN_JSON = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * The event store on PostgreSQL through `pg`. Global positions are taken by a single writer: every append
 * transaction holds one advisory lock from before it reads the head until it has committed, so positions
 * become visible in order and a catch-up reader never skips one (docs/decisions/0020). Concurrent appends
 * in this process share transactions (group commit). Subscriptions are woken by LISTEN/NOTIFY and poll as
 * a fallback. Append-only is enforced by triggers and by the application role's grants.
 */
export class PostgresEventStore implements EventStore, WriterLeases {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly clock: () => Date;
  private readonly upcasters: UpcasterRegistry;
  private readonly maxAppendsPerCommit: number;
  private readonly subscriptions: CatchUpSubscriptions;
  private readonly sql: ReturnType<typeof statements>;
  private listener: NotificationListener | null = null;
  private queue: PendingAppend[] = [];
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_EVENT_STORE_SCHEMA);
    this.clock = options.clock ?? (() => new Date());
    this.upcasters = options.upcasters ?? defaultUpcasters;
    this.maxAppendsPerCommit = Math.max(1, options.maxAppendsPerCommit ?? 100);
    this.sql = statements(this.schema);
    this.subscriptions = new CatchUpSubscriptions(
      {
        headPosition: () => this.headPosition(),
        readRange: (after, upTo, limit, categories) => this.readRange(after, upTo, limit, categories),
        readCheckpoint: (id) => this.readCheckpoint(id),
        storeCheckpoint: (id, position) => this.storeCheckpoint(id, position),
      },
      { pollIntervalMs: options.pollIntervalMs ?? 1_000, logger: options.logger },
    );
    this.pool = new Pool({
      ...connectionSettings(options),
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that the server drops must not crash the process; the next query gets a new one.
    this.pool.on('error', (error) => this.options.logger?.warn(`event store connection lost: ${messageOf(error)}`));
  }

  async append(
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (this.closing) throw new EventStoreUnavailable('the event store is closed');
    if (String(streamId).includes('\u0000')) throw new TypeError('a stream id cannot hold the character U+0000');
    const prepared = events.map((event) => this.prepare(event));
    const duplicate = prepared.find((event, i) => prepared.findIndex((other) => other.id === event.id) !== i);
    if (duplicate) throw new DuplicateEventId(duplicate.id);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events: prepared, expected: expectedRevision, fence: options.fence, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.drained = this.drain();
      }
    });
  }

  async readStream(streamId: string, fromRevision = 0): Promise<StoredEvent[]> {
    return this.read(this.sql.readStream, [streamId, fromRevision]);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return this.readRange(options.fromPosition ?? 0, Number.MAX_SAFE_INTEGER, options.limit ?? null, options.categories);
  }

  subscribe(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    if (this.closing) throw new EventStoreUnavailable('the event store is closed');
    // Started with the first subscription: a store that only appends holds no listening connection.
    this.listener ??= new NotificationListener(
      () => new Client({ ...connectionSettings(this.options), application_name: 'vgp-event-store-listener' }),
      notificationChannel(this.schema),
      () => this.wakeSubscriptions(),
      this.options.pollIntervalMs ?? 1_000,
      this.options.logger,
    );
    return this.subscriptions.open(options, handler);
  }

  async readCheckpoint(subscriptionId: string): Promise<number | null> {
    const { rows } = await this.query<{ position: string }>(this.sql.readCheckpoint, [subscriptionId]);
    return rows.length > 0 ? Number(rows[0].position) : null;
  }

  async storeCheckpoint(subscriptionId: string, position: number): Promise<void> {
    await this.query(this.sql.storeCheckpoint, [subscriptionId, position, this.clock().toISOString()]);
  }

  /** Expiry is the server's `now()` plus the TTL: the replicas' own clocks never decide who holds it. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    const { rows } = await this.query<{ token: string }>(this.sql.acquireLease, [name, holder, Math.max(1, Math.round(ttlMs))]);
    return rows.length > 0 ? { token: Number(rows[0].token), ttlMs } : null;
  }

  async release(name: string, holder: string, token: number): Promise<void> {
    await this.query(this.sql.releaseLease, [name, holder, token]);
  }

  /** Healthy when a connection answers, the server is a primary, and this role may append. */
  async isHealthy(): Promise<boolean> {
    if (this.closing) return false;
    try {
      const { rows } = await this.pool.query<{ ok: boolean }>(this.sql.healthy);
      return rows[0]?.ok === true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    await this.subscriptions.stopAll();
    // Appends already taken are finished (committed or refused), never dropped.
    await this.drained;
    await this.listener?.stop();
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  // --- appends: group commit -------------------------------------------------------------------------------

  /** Commits queued appends, as many as allowed per transaction, one transaction at a time, until none wait. */
  private async drain(): Promise<void> {
    // No await between the last look at the queue and clearing `draining`, so an append queued later starts a new drain.
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxAppendsPerCommit);
        await this.commit(batch).catch((error: unknown) => {
          for (const pending of batch)
            pending.reject(new EventStoreUnavailable(`append to ${pending.streamId} failed: ${messageOf(error)}`, error));
        });
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    let decisions: Decision[];
    try {
      decisions = await this.transaction(batch);
    } catch (error) {
      if (batch.length > 1 && isStatementError(error)) {
        // One append's content broke the shared statement: give each its own transaction, so only it fails.
        for (const pending of batch) await this.commit([pending]);
        return;
      }
      for (const pending of batch) {
        pending.reject(new EventStoreUnavailable(`append to ${pending.streamId} failed: ${messageOf(error)}`, error));
      }
      return;
    }
    decisions.forEach((decision, i) => (decision.ok ? batch[i].resolve(decision.result) : batch[i].reject(decision.error)));
    if (decisions.some((decision) => decision.ok && decision.rows.length > 0)) this.wakeSubscriptions();
  }

  /**
   * One transaction for a batch: take the position lock, read what the batch's ids and streams hold, decide
   * each append in order against that state and the appends before it, insert every accepted event in one
   * statement that also notifies listeners, commit. Decisions are handed out only after the commit.
   */
  private async transaction(batch: PendingAppend[]): Promise<Decision[]> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(this.sql.beginAndLock);
      const ids = [...new Set(batch.flatMap((pending) => pending.events.map((event) => event.id)))];
      const streams = [...new Set(batch.map((pending) => pending.streamId))];
      const { rows } = await client.query<BatchState>(this.sql.batchState, [ids, streams]);
      const leases = [...new Set(batch.flatMap((pending) => (pending.fence ? [pending.fence.lease] : [])))];
      // FOR SHARE: nobody can take a lease this batch writes under until the batch has committed.
      const held = leases.length > 0 ? (await client.query<HeldLease>(this.sql.heldLeases, [leases])).rows : [];
      const decisions = decideBatch(batch, rows[0], held);
      const inserts = decisions.flatMap((decision) => (decision.ok ? decision.rows : []));
      if (inserts.length > 0) await client.query(this.sql.insert, [JSON.stringify(inserts), notificationChannel(this.schema)]);
      await client.query('COMMIT');
      return decisions;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      // A connection that could not even roll back is discarded, never handed to the next caller.
      client.release(broken);
    }
  }

  private prepare(event: NewEvent): PreparedEvent {
    const id = String(event.id).toLowerCase();
    if (!UUID.test(id)) throw new TypeError(`event id ${JSON.stringify(event.id)} is not a UUID`);
    const occurredAt = event.occurredAt ?? this.clock().toISOString();
    if (Number.isNaN(Date.parse(occurredAt))) throw new TypeError(`event ${id}: occurredAt ${JSON.stringify(occurredAt)} is not a time`);
    const { metadata } = event;
    const fields = {
      id,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      occurredAt,
      correlationId: metadata.correlationId,
      causationId: metadata.causationId,
      actor: metadata.actor,
      softwareVersion: metadata.softwareVersion,
      featureFlags: metadata.featureFlags,
      data: event.data ?? null,
    };
    if (NUL_IN_JSON.test(JSON.stringify(fields)))
      throw new TypeError(`event ${id} holds the character U+0000, which PostgreSQL cannot store`);
    return { ...fields, canonicalData: canonicalJson(fields.data) };
  }

  // --- reads ---------------------------------------------------------------------------------------------

  /** With positions taken under the lock, the greatest visible position is final: nothing later can be below it. */
  private async headPosition(): Promise<number> {
    const { rows } = await this.query<{ head: string }>(this.sql.head, []);
    return Number(rows[0].head);
  }

  private readRange(after: number, upTo: number, limit: number | null, categories?: string[]): Promise<StoredEvent[]> {
    return this.read(this.sql.readRange, [after, upTo, limit === null || limit < 0 ? null : limit, categories ?? null]);
  }

  private async read(sql: string, values: unknown[]): Promise<StoredEvent[]> {
    const { rows } = await this.query<EventRow>(sql, values);
    return rows.map((row) => this.upcasters.upcast(toStoredEvent(row)));
  }

  private async query<R extends object>(sql: string, values: unknown[]): Promise<{ rows: R[] }> {
    if (this.closed) throw new EventStoreUnavailable('the event store is closed');
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw new EventStoreUnavailable(`event store query failed: ${messageOf(error)}`, error);
    }
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new EventStoreUnavailable(`cannot connect to the event store: ${messageOf(error)}`, error);
    }
  }

  private wakeSubscriptions(): void {
    this.subscriptions.wake();
  }
}

/**
 * Decides every append of a batch in order, as if each ran alone: the same checks, answers and refusals as the
 * SQLite adapter, against the stored state plus what the appends before it in the batch would write.
 */
function decideBatch(batch: PendingAppend[], state: BatchState, leases: HeldLease[]): Decision[] {
  let head = Number(state.head);
  const known = new Map<string, KnownEvent>(
    state.stored.map((row) => [
      row.id,
      { streamId: row.streamId, revision: row.revision, position: row.position, type: row.type, canonicalData: canonicalJson(row.data) },
    ]),
  );
  const heads = new Map<string, StreamHead>(state.heads.map((h) => [h.streamId, { revision: h.revision, position: h.position }]));

  return batch.map(({ streamId, events, expected, fence }): Decision => {
    if (fence && !holds(leases, fence)) return { ok: false, error: new LeaseLost(fence.lease, fence.token) };
    const stored = events.map((event) => known.get(event.id));
    if (stored.some(Boolean)) {
      // A retry of an append that already succeeded answers as the original did; anything else under a stored
      // id (other stream, type or data, or a batch that only partly matches) is a conflict.
      const conflict = events.find((event, i) => !isSameEvent(stored[i], streamId, event));
      if (conflict) return { ok: false, error: new DuplicateEventId(conflict.id) };
      const last = (stored as KnownEvent[]).reduce((a, b) => (a.position > b.position ? a : b));
      return { ok: true, result: { nextExpectedRevision: last.revision, position: last.position }, rows: [] };
    }

    const current = heads.get(streamId);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && !current) ||
      (expected === 'stream_exists' && !!current) ||
      (typeof expected === 'number' && current?.revision === expected);
    if (!ok) return { ok: false, error: new WrongExpectedRevision(streamId, expected, current ? current.revision : 'no_stream') };

    let revision = current ? current.revision : -1;
    let position = current ? current.position : 0;
    const rows = events.map((event): InsertRow => {
      revision++;
      position = ++head;
      known.set(event.id, { streamId, revision, position, type: event.type, canonicalData: event.canonicalData });
      return {
        position,
        id: event.id,
        stream_id: streamId,
        revision,
        type: event.type,
        schema_version: event.schemaVersion,
        occurred_at: event.occurredAt,
        correlation_id: event.correlationId,
        causation_id: event.causationId,
        actor: event.actor,
        software_version: event.softwareVersion,
        feature_flags: event.featureFlags,
        data: event.data,
      };
    });
    if (rows.length > 0) heads.set(streamId, { revision, position });
    return { ok: true, result: { nextExpectedRevision: revision, position }, rows };
  });
}

const statements = (s: string) => ({
  // READ COMMITTED: each statement sees what was committed before it, so reads after the lock see every
  // append that held it before.
  beginAndLock: `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT ${positionLockSql(s)}`,
  batchState: `SELECT
      (SELECT COALESCE(max(position), 0) FROM ${s}.events)::text AS head,
      (SELECT COALESCE(json_agg(json_build_object('id', id, 'streamId', stream_id, 'revision', revision,
          'position', position, 'type', type, 'data', data)), '[]'::json)
        FROM ${s}.events WHERE id = ANY($1::uuid[])) AS stored,
      (SELECT COALESCE(json_agg(json_build_object('streamId', h.stream_id, 'revision', h.revision, 'position', h.position)), '[]'::json)
        FROM unnest($2::text[]) AS wanted(stream_id)
        CROSS JOIN LATERAL (SELECT stream_id, revision, position FROM ${s}.events e
          WHERE e.stream_id = wanted.stream_id ORDER BY revision DESC LIMIT 1) h) AS heads`,
  insert: `WITH inserted AS (
      INSERT INTO ${s}.events (position, id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
        causation_id, actor, software_version, feature_flags, data)
      SELECT position, id, stream_id, revision, type, schema_version, occurred_at, correlation_id,
        causation_id, actor, software_version, feature_flags, data
      FROM jsonb_to_recordset($1::jsonb) AS r(position bigint, id uuid, stream_id text, revision bigint, type text,
        schema_version integer, occurred_at timestamptz, correlation_id text, causation_id text, actor jsonb,
        software_version text, feature_flags jsonb, data jsonb)
      ORDER BY position
      RETURNING position)
    SELECT pg_notify($2, (SELECT max(position) FROM inserted)::text)`,
  head: `SELECT COALESCE(max(position), 0)::text AS head FROM ${s}.events`,
  readStream: `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision`,
  readRange: `SELECT ${COLUMNS} FROM ${s}.events
    WHERE position > $1 AND position <= $2 AND ($4::text[] IS NULL OR category = ANY($4::text[]))
    ORDER BY position LIMIT $3`,
  readCheckpoint: `SELECT position::text AS position FROM ${s}.checkpoints WHERE subscription_id = $1`,
  storeCheckpoint: `INSERT INTO ${s}.checkpoints (subscription_id, position, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (subscription_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
  // One statement: a free or expired lease goes to the caller with the next token; the holder's own renewal keeps
  // its token; another holder's running grant is left alone (no row returned).
  acquireLease: `INSERT INTO ${s}.leases AS l (name, holder, token, expires_at)
      VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
    ON CONFLICT (name) DO UPDATE SET
      holder = excluded.holder,
      token = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() THEN l.token ELSE l.token + 1 END,
      expires_at = excluded.expires_at
    WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
    RETURNING token::text AS token`,
  heldLeases: `SELECT name, holder, token::text AS token, expires_at > clock_timestamp() AS live
    FROM ${s}.leases WHERE name = ANY($1::text[]) FOR SHARE`,
  releaseLease: `UPDATE ${s}.leases SET expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND token = $3`,
  healthy: `SELECT NOT pg_is_in_recovery() AND has_table_privilege('${s}.events', 'INSERT') AS ok`,
});

const connectionSettings = (options: PostgresEventStoreOptions) => ({
  connectionString: options.connectionString,
  connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  statement_timeout: options.statementTimeoutMs ?? 30_000,
  lock_timeout: options.lockTimeoutMs ?? 10_000,
  application_name: 'vgp-event-store',
  keepAlive: true,
});

/** Errors of one statement's content (data, constraints, our triggers), as opposed to the connection or server. */
const isStatementError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|P0)/.test(code);
};

const toStoredEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  streamId: row.stream_id,
  revision: Number(row.revision),
  occurredAt: row.occurred_at.toISOString(),
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  actor: row.actor,
  softwareVersion: row.software_version,
  featureFlags: row.feature_flags,
  data: row.data,
  position: Number(row.position),
});

const holds = (leases: HeldLease[], fence: LeaseFence): boolean =>
  leases.some((l) => l.name === fence.lease && l.holder === fence.holder && Number(l.token) === fence.token && l.live);

const isSameEvent = (known: KnownEvent | undefined, streamId: string, event: PreparedEvent): boolean =>
  !!known && known.streamId === streamId && known.type === event.type && known.canonicalData === event.canonicalData;

/**
 * One LISTEN connection per store: every notification wakes the subscriptions, which then read what is new.
 * A lost connection is re-made with backoff (subscriptions poll meanwhile) and wakes them once it is back,
 * since notifications sent while it was away are gone.
 */
class NotificationListener {
  private client: Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly connect: () => Client,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly maxBackoffMs: number,
    private readonly logger?: SubscriptionLogger,
  ) {
    void this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async start(): Promise<void> {
    if (this.stopped) return;
    const client = this.connect();
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.failures++;
      this.logger?.warn(
        `event store listener on ${this.channel} lost${error ? `: ${messageOf(error)}` : ''}; reconnecting (subscriptions poll meanwhile)`,
      );
      this.timer = setTimeout(() => void this.start(), Math.min(this.maxBackoffMs, 50 * 2 ** Math.min(this.failures, 10)));
      this.timer.unref();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message: Notification) => {
      if (message.channel === this.channel) this.onNotify();
    });
    try {
      this.client = client;
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.failures = 0;
      this.onNotify();
    } catch (error) {
      onLost(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
