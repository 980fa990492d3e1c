/** Injection token of a context's read-model store (each context has its own database or prefix). */
export const READ_MODEL_STORE = Symbol('READ_MODEL_STORE');

/**
 * A projection's document. Field names starting with `_` are the store's own (see RESERVED_FIELDS);
 * names may not contain '.' or start with '$' (MongoDB and FerretDB refuse them).
 */
export type ReadModelDocument = Record<string, unknown>;

/** The event that causes a write: its stream and its revision in that stream (0-based). */
export type RevisionGuard = { streamId: string; revision: number };

/**
 * The projection's checkpoint written with the same document write: every event at or below
 * `position` has been fully applied once this write is visible.
 */
export type CheckpointUpdate = { projection: string; position: number };

/**
 * `applied`: the document changed. `skipped`: the document already holds this stream's revision or a
 * newer one (a replay), nothing written. `unchanged`: no document before and none after.
 */
export type ApplyOutcome = 'applied' | 'skipped' | 'unchanged';

/** Top-level (or dotted) fields compared by equality; an array field matches when it holds the value. */
export type EqualityFilter = Record<string, string | number | boolean | null>;

/**
 * An index on a collection. A unique index ignores documents that have none of its fields (sparse),
 * so deleted documents, kept as tombstones without fields, never collide. `array` names the one field
 * of the index that holds an array (a multikey index): a document is found by each of its values.
 */
export type IndexSpec = { name: string; fields: readonly string[]; unique?: boolean; array?: string };

export type FindOptions = { limit?: number };

export type Scalar = string | number | boolean | null;

/** Bounds on one field: all numbers or all strings (ISO-8601 UTC timestamps of one format compare as time). */
export type RangeCondition = { gt?: string | number; gte?: string | number; lt?: string | number; lte?: string | number };

/** Documents whose array field holds the value (the field must be the `array` of the index). */
export type ContainsCondition = { contains: Scalar };

/** A scalar is equality (null also matches a missing field; on an index's array field, it holds the value). */
export type Condition = Scalar | RangeCondition | ContainsCondition;

/**
 * A query answered through one declared index, never by reading the whole collection:
 * - `where`: equality or contains on a leading run of the index's fields, then at most one range on the next
 *   field; equality on (scalar) fields outside the index only narrows what the index found;
 * - `sort`: the range field or the field right after the equalities; documents without it are not returned.
 *   Without `sort`, the range field orders (when there is one), else the document id;
 * - pages: ties are broken by the document id (in the sort's direction), and `next` is an opaque cursor
 *   to pass as `after`, stable when documents are written between pages.
 * A query no declared index can serve throws UnindexedQuery; `index` names the one to use.
 */
export type ReadModelQuery = {
  index?: string;
  where?: Readonly<Record<string, Condition>>;
  sort?: { field: string; direction?: 'asc' | 'desc' };
  limit?: number;
  after?: string | null;
};

/** One page; `next` is null when no document follows. */
export type ReadModelPage<T> = { items: T[]; next: string | null };

export type RebuildResult = {
  projection: string;
  /** The generation now serving reads; '' is the first one, which uses the collections' own names. */
  generation: string;
  previousGeneration: string | null;
};

export interface ReadModelStore {
  /** Creates the indexes where missing; idempotent. Declared indexes also apply to rebuilt generations. */
  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  /**
   * Folds one event into the document `id`: `update` gets the current document (null when there is none
   * or it was deleted) and answers the next one (null deletes it). Applied only when the document's stored
   * revision for `guard.streamId` is lower than `guard.revision`, so a replayed event is a no-op. The
   * document records the revision and `checkpoint.position` in the same write, and the projection's
   * checkpoint is raised to `checkpoint.position` (never lowered), also when the event is skipped.
   * Throws UniqueIndexViolation when the next document collides with another on a unique index.
   */
  apply<T extends ReadModelDocument>(
    collection: string,
    id: string,
    guard: RevisionGuard,
    update: (current: T | null) => T | null,
    checkpoint: CheckpointUpdate,
  ): Promise<ApplyOutcome>;
  get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | null>;
  findOne<T extends ReadModelDocument>(collection: string, filter: EqualityFilter): Promise<T | null>;
  /**
   * Live documents matching every field of `filter`, ordered by id: a `query` with equality only, so a
   * non-empty filter must match a declared index. Without a filter it reads the whole collection (the audit
   * and replay-access reads that still do so move to `query`, issue 7).
   */
  find<T extends ReadModelDocument>(collection: string, filter?: EqualityFilter, options?: FindOptions): Promise<T[]>;
  /** One page of live documents, found through a declared index (see ReadModelQuery). */
  query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>>;
  /**
   * The position to resume the projection after: no event above it has been applied, every event at or
   * below it has. Null when the projection has applied nothing.
   */
  readCheckpoint(projection: string): Promise<number | null>;
  /**
   * Builds the projection from nothing into a fresh generation of `collections` (physical names
   * `<collection>__rebuild_<ts>`) through the store `run` is given (which stores its checkpoint once, just
   * before the switch: nobody reads a generation under construction), then makes that generation the one
   * every reader and writer uses in a single atomic write, and drops the previous generation. Reads keep
   * being served by the previous generation until the switch. If `run` throws, the fresh generation is
   * dropped and nothing switches. The projection's live runner should be stopped around the switch: a
   * write in flight across it lands in the dropped generation.
   */
  rebuild(projection: string, collections: readonly string[], run: (target: ReadModelStore) => Promise<void>): Promise<RebuildResult>;
  close(): Promise<void>;
}

/** Fields the store keeps in every document; a projection's documents may not use them. */
export const RESERVED_FIELDS = ['_id', '_rev', '_position', '_version', '_deleted'] as const;

/** A write would give two live documents the same values on a unique index. */
export class UniqueIndexViolation extends Error {
  constructor(
    readonly collection: string,
    readonly id: string,
    /** Null when the server does not say which index (FerretDB on insert) and the store cannot tell. */
    readonly index: string | null,
  ) {
    super(`${collection}/${id}: unique index ${index ?? '(unknown)'} already holds these values`);
    this.name = 'UniqueIndexViolation';
  }
}

/** A query the store cannot run as written (an unknown field kind, mixed bound types, a foreign cursor). */
export class InvalidReadModelQuery extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadModelQuery';
  }
}

/** No declared index serves the query: a programming error (declare the index in the projection's handler). */
export class UnindexedQuery extends InvalidReadModelQuery {
  constructor(
    readonly collection: string,
    detail: string,
  ) {
    super(`${collection}: no declared index serves this query (${detail}); declare one in the projection's handler`);
    this.name = 'UnindexedQuery';
  }
}

/** Another rebuild of the same projection switched first; this one was dropped. */
export class RebuildConflict extends Error {
  constructor(readonly projection: string) {
    super(`projection ${projection}: another rebuild switched over first`);
    this.name = 'RebuildConflict';
  }
}

/** A document or filter the store cannot hold (reserved or unstorable field names, a foreign collection). */
export class InvalidReadModelWrite extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadModelWrite';
  }
}
