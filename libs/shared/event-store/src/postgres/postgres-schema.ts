import { Client } from 'pg';
import { EventStoreUnavailable } from '../event-store.port.js';

/** The schema (PostgreSQL namespace) a store lives in: lower case, so it never needs quoting, and short enough
 * that the notification channel derived from it fits PostgreSQL's 63-byte names. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;
const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export const DEFAULT_EVENT_STORE_SCHEMA = 'event_store';

export const assertSchemaName = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`event store schema ${JSON.stringify(schema)}: use [a-z0-9_], at most 40, not starting with a digit`);
  }
  return schema;
};

/**
 * The key of the transaction-level advisory lock that every append to one schema takes before it reads the head
 * and until it has committed: the single writer of global positions (docs/decisions/0020). Both the adapter and
 * the insert trigger use this expression, so they always name the same lock.
 */
export const positionLockSql = (schema: string): string =>
  `pg_advisory_xact_lock(hashtextextended('vgp-event-store:${assertSchemaName(schema)}', 0))`;

/** The channel appends notify (payload: the new head position) and subscriptions listen on. */
export const notificationChannel = (schema: string): string => `vgp_events_${assertSchemaName(schema)}`;

export type PostgresEventStoreMigration = {
  /** A role that may create the schema and its tables: the database's owner, never the application role. */
  connectionString: string;
  schema?: string;
  /**
   * The role the application connects as. It gets SELECT and INSERT on events (no UPDATE, DELETE or TRUNCATE),
   * and SELECT, INSERT and UPDATE on checkpoints and leases. Unset: no grants (a single-role setup, where only the
   * triggers keep history append-only).
   */
  appRole?: string;
  connectionTimeoutMs?: number;
};

const schemaSql = (schema: string, appRole: string | undefined): string => {
  const s = assertSchemaName(schema);
  const grants = appRole
    ? `
REVOKE ALL ON ${s}.events, ${s}.checkpoints, ${s}.leases FROM PUBLIC, "${appRole}";
GRANT USAGE ON SCHEMA ${s} TO "${appRole}";
GRANT SELECT, INSERT ON ${s}.events TO "${appRole}";
GRANT SELECT, INSERT, UPDATE ON ${s}.checkpoints TO "${appRole}";
GRANT SELECT, INSERT, UPDATE ON ${s}.leases TO "${appRole}";`
    : '';
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.events (
  position bigint PRIMARY KEY CHECK (position > 0),
  id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  revision bigint NOT NULL CHECK (revision >= 0),
  type text NOT NULL,
  schema_version integer NOT NULL,
  occurred_at timestamptz NOT NULL,
  correlation_id text NOT NULL,
  causation_id text,
  actor jsonb NOT NULL,
  software_version text NOT NULL,
  feature_flags jsonb NOT NULL,
  data jsonb NOT NULL,
  -- the part of the stream id before the first '-', as categoryOf() computes it
  category text GENERATED ALWAYS AS (split_part(stream_id, '-', 1)) STORED,
  -- the writing transaction: with positions taken under the lock, tx never decreases as position grows
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (stream_id, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON ${s}.events (category, position);

-- Checkpoints are mutable by nature; only events are append-only.
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  subscription_id text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL
);

-- Single-writer leases (ADR 0033): the holder renews before expires_at; token rises whenever the lease changes hands.
CREATE TABLE IF NOT EXISTS ${s}.leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL CHECK (token > 0),
  expires_at timestamptz NOT NULL
);

-- History is never rewritten, whoever connects: statement-level, so even a statement that matches no row fails.
CREATE OR REPLACE FUNCTION ${s}.events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'raise_exception';
END
$fn$;
CREATE OR REPLACE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_are_append_only();

-- Every insert holds the position lock until its transaction ends and extends the head: whoever writes, a
-- position becomes visible only after every smaller one, so a reader that has seen position p never finds a
-- new event at or below p.
CREATE OR REPLACE FUNCTION ${s}.events_extend_the_head() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM ${positionLockSql(s)};
  IF NEW.position <= (SELECT COALESCE(max(position), 0) FROM ${s}.events) THEN
    RAISE EXCEPTION 'event position % does not extend the head', NEW.position USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE OR REPLACE TRIGGER events_extend_the_head BEFORE INSERT ON ${s}.events
  FOR EACH ROW EXECUTE FUNCTION ${s}.events_extend_the_head();
${grants}
`;
};

/**
 * Creates or updates an event store's schema: tables, indexes, triggers and grants. Idempotent, and safe when
 * several processes run it at once (they take turns). Run it as the owner, before the store is opened.
 */
export async function migratePostgresEventStore(options: PostgresEventStoreMigration): Promise<void> {
  const schema = assertSchemaName(options.schema ?? DEFAULT_EVENT_STORE_SCHEMA);
  if (options.appRole !== undefined && !ROLE_NAME.test(options.appRole)) {
    throw new RangeError(`application role ${JSON.stringify(options.appRole)}: use [A-Za-z0-9_-]`);
  }
  const client = new Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    application_name: 'vgp-event-store-migration',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('vgp-event-store-migration:${schema}', 0))`);
    await client.query(schemaSql(schema, options.appRole));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new EventStoreUnavailable(`migrating the event store schema ${schema} failed: ${messageOf(error)}`, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(messageOf).join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
};
