import { BackedReadModelStore } from './backed-read-model-store.js';
import {
  type DocumentBackend,
  POSITION_INDEX,
  type ProjectionRecord,
  type StoredDocument,
  valueAt,
  type WriteResult,
} from './document-backend.js';
import type { Bounds, QueryPlan } from './read-model-query.js';
import type { IndexSpec, Scalar } from './read-model-store.port.js';

/**
 * The read-model store in this process's memory, for unit tests: the same semantics as the SQLite and
 * MongoDB ones, including refusing a query that no declared index serves (it scans, but tests that pass
 * here would not scan there). Documents are copied in and out, so callers never share state with the store.
 */
export class InMemoryReadModelStore extends BackedReadModelStore {
  constructor() {
    super(new InMemoryDocuments());
  }

  /** Physical collection names, generations included (for tests and diagnostics). */
  collectionNames(): Promise<string[]> {
    return this.backend.listCollections();
  }
}

class InMemoryDocuments implements DocumentBackend {
  private readonly collections = new Map<string, Map<string, StoredDocument>>();
  private readonly indexes = new Map<string, Map<string, IndexSpec>>();
  private readonly projections = new Map<string, ProjectionRecord>();
  private readonly checkpoints = new Map<string, number>();
  readonly checkpointsWithWrites = false;

  async get(collection: string, id: string): Promise<StoredDocument | null> {
    const doc = this.collections.get(collection)?.get(id);
    return doc ? structuredClone(doc) : null;
  }

  async insert(collection: string, doc: StoredDocument): Promise<WriteResult> {
    const docs = this.collectionOf(collection);
    if (docs.has(doc._id)) return { ok: false, reason: 'conflict' };
    return this.write(collection, docs, doc);
  }

  async replace(collection: string, doc: StoredDocument, expectedVersion: number): Promise<WriteResult> {
    const docs = this.collectionOf(collection);
    if (docs.get(doc._id)?._version !== expectedVersion) return { ok: false, reason: 'conflict' };
    return this.write(collection, docs, doc);
  }

  async query(collection: string, plan: QueryPlan, fetch: number | null): Promise<StoredDocument[]> {
    const { field, direction } = plan.order;
    const sign = direction === 'asc' ? 1 : -1;
    const order = (a: StoredDocument, b: StoredDocument) =>
      sign * ((field === null ? 0 : compare(valueAt(a, field) as Scalar, valueAt(b, field) as Scalar)) || compare(a._id, b._id));
    const after = plan.after;
    const found = [...(this.collections.get(collection)?.values() ?? [])]
      .filter(
        (doc) =>
          !doc._deleted &&
          [...plan.equal, ...plan.residual].every(({ field: path, value }) => matches(valueAt(doc, path), value)) &&
          (plan.range === null || inRange(valueAt(doc, plan.range.field), plan.range)) &&
          (field === null || (valueAt(doc, field) ?? null) !== null) &&
          (after === null ||
            sign * ((field === null ? 0 : compare(valueAt(doc, field) as Scalar, after.value)) || compare(doc._id, after.id)) > 0),
      )
      .sort(order);
    return structuredClone(fetch === null ? found : found.slice(0, fetch));
  }

  async indexesOf(collection: string): Promise<IndexSpec[]> {
    return [...(this.indexes.get(collection)?.values() ?? [])].filter((index) => index.name !== POSITION_INDEX.name);
  }

  async maxPosition(collection: string): Promise<number | null> {
    const positions = [...(this.collections.get(collection)?.values() ?? [])].map((doc) => doc._position);
    return positions.length ? Math.max(...positions) : null;
  }

  async createIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.collectionOf(collection);
    const declared = this.indexes.get(collection) ?? new Map<string, IndexSpec>();
    for (const index of indexes) declared.set(index.name, index);
    this.indexes.set(collection, declared);
  }

  async dropCollection(collection: string): Promise<void> {
    this.collections.delete(collection);
    this.indexes.delete(collection);
  }

  async listCollections(): Promise<string[]> {
    return [...this.collections.keys()].sort();
  }

  async projectionOf(collection: string): Promise<string | null> {
    for (const [projection, record] of this.projections) if (record.collections.includes(collection)) return projection;
    return null;
  }

  async readProjection(projection: string): Promise<ProjectionRecord | null> {
    const record = this.projections.get(projection);
    return record ? structuredClone(record) : null;
  }

  async registerCollection(projection: string, collection: string): Promise<void> {
    const record = this.projections.get(projection) ?? { generation: '', collections: [] };
    if (!record.collections.includes(collection)) record.collections.push(collection);
    this.projections.set(projection, record);
  }

  async switchGeneration(projection: string, from: ProjectionRecord | null, to: ProjectionRecord): Promise<boolean> {
    const current = this.projections.get(projection);
    if (from === null ? current !== undefined : current?.generation !== from.generation) return false;
    this.projections.set(projection, structuredClone(to));
    return true;
  }

  async raiseCheckpoint(key: string, position: number): Promise<void> {
    this.checkpoints.set(key, Math.max(this.checkpoints.get(key) ?? position, position));
  }

  async readCheckpoint(key: string): Promise<number | null> {
    return this.checkpoints.get(key) ?? null;
  }

  async deleteCheckpoint(key: string): Promise<void> {
    this.checkpoints.delete(key);
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private collectionOf(collection: string): Map<string, StoredDocument> {
    const docs = this.collections.get(collection) ?? new Map<string, StoredDocument>();
    this.collections.set(collection, docs);
    return docs;
  }

  private write(collection: string, docs: Map<string, StoredDocument>, doc: StoredDocument): WriteResult {
    const clash = this.uniqueClash(collection, docs, doc);
    if (clash) return { ok: false, reason: 'unique', detail: `index: ${clash}` };
    docs.set(doc._id, structuredClone(doc));
    return { ok: true };
  }

  /** Like a sparse unique index in MongoDB: a document with none of the fields is not indexed. */
  private uniqueClash(collection: string, docs: Map<string, StoredDocument>, doc: StoredDocument): string | null {
    const keyOf = (d: StoredDocument, index: IndexSpec): string | null => {
      const values = index.fields.map((field) => valueAt(d, field));
      return values.every((v) => v === undefined) ? null : JSON.stringify(values.map((v) => v ?? null));
    };
    for (const index of this.indexes.get(collection)?.values() ?? []) {
      if (!index.unique) continue;
      const key = keyOf(doc, index);
      if (key === null) continue;
      for (const other of docs.values()) {
        if (other._id !== doc._id && !other._deleted && keyOf(other, index) === key) return index.name;
      }
    }
    return null;
  }
}

/** MongoDB's equality: null also matches a missing field, and an array matches when it holds the value. */
const matches = (actual: unknown, expected: unknown): boolean =>
  Array.isArray(actual) ? actual.some((item) => item === expected) : (actual ?? null) === expected;

/** Numbers before strings, as SQLite and MongoDB order them. */
const compare = (a: Scalar, b: Scalar): number => {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : String(typeof a) < String(typeof b) ? -1 : 1;
  return a === b ? 0 : (a ?? 0) < (b ?? 0) ? -1 : 1;
};

/** A bound only matches values of its own type, as MongoDB's type bracketing does. */
const inRange = (value: unknown, bounds: Bounds & { type: 'number' | 'string' }): boolean =>
  typeof value === bounds.type &&
  (bounds.gt === undefined || (value as string | number) > bounds.gt) &&
  (bounds.gte === undefined || (value as string | number) >= bounds.gte) &&
  (bounds.lt === undefined || (value as string | number) < bounds.lt) &&
  (bounds.lte === undefined || (value as string | number) <= bounds.lte);
