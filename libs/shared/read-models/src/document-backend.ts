import type { QueryPlan } from './read-model-query.js';
import type { IndexSpec, ReadModelDocument } from './read-model-store.port.js';

/**
 * A document as a backend holds it: the projection's fields plus the store's own.
 * `_rev` maps an encoded stream id to the last revision of that stream folded in; `_position` is the
 * highest checkpoint written with the document; `_version` orders writes (compare-and-swap);
 * `_deleted` marks a tombstone, which keeps `_rev` so a replayed older event cannot bring the document back.
 */
export type StoredDocument = ReadModelDocument & {
  _id: string;
  _rev: Record<string, number>;
  _position: number;
  _version: number;
  _deleted: boolean;
};

/** `conflict`: the id exists (insert) or the version moved (replace); `unique`: a unique index refused it. */
export type WriteResult = { ok: true } | { ok: false; reason: 'conflict' } | { ok: false; reason: 'unique'; detail: string };

/** A checkpoint a backend with transactions writes in the same transaction as the document. */
export type CheckpointWrite = { key: string; position: number };

/** Which generation of its collections a projection reads and writes. */
export type ProjectionRecord = { generation: string; collections: string[] };

/**
 * What the store needs from a database: single-document atomic writes and nothing more, so it runs on
 * servers without transactions (FerretDB v1). Collection names here are physical (generation included).
 */
export interface DocumentBackend {
  /** True: `insert` and `replace` raise the checkpoint they are given in the document's own transaction. */
  readonly checkpointsWithWrites: boolean;
  get(collection: string, id: string): Promise<StoredDocument | null>;
  insert(collection: string, doc: StoredDocument, checkpoint?: CheckpointWrite): Promise<WriteResult>;
  replace(collection: string, doc: StoredDocument, expectedVersion: number, checkpoint?: CheckpointWrite): Promise<WriteResult>;
  /** Up to `fetch` documents that are not tombstones, as the plan says, through the plan's index. */
  query(collection: string, plan: QueryPlan, fetch: number | null): Promise<StoredDocument[]>;
  maxPosition(collection: string): Promise<number | null>;
  /** Creates the indexes and remembers their declarations, so another process can plan queries on them. */
  createIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  /** The declared indexes of the collection (POSITION_INDEX excluded). */
  indexesOf(collection: string): Promise<IndexSpec[]>;
  dropCollection(collection: string): Promise<void>;
  listCollections(): Promise<string[]>;

  projectionOf(collection: string): Promise<string | null>;
  readProjection(projection: string): Promise<ProjectionRecord | null>;
  /** Adds the collection to the projection's record, creating the record at generation '' when missing. */
  registerCollection(projection: string, collection: string): Promise<void>;
  /** Replaces the record if it still is `from` (null: does not exist yet); false when someone else moved it. */
  switchGeneration(projection: string, from: ProjectionRecord | null, to: ProjectionRecord): Promise<boolean>;
  /** Raises the checkpoint to `position`; never lowers it. */
  raiseCheckpoint(key: string, position: number): Promise<void>;
  readCheckpoint(key: string): Promise<number | null>;
  deleteCheckpoint(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Every stored document gets this index, so the highest position in a collection is cheap to find. */
export const POSITION_INDEX: IndexSpec = { name: '_position', fields: ['_position'] };

/** Reads a possibly dotted path; undefined when any step is missing. */
export const valueAt = (doc: Record<string, unknown>, path: string): unknown => {
  let value: unknown = doc;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
};
