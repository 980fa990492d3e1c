import { BackedReadModelStore } from './backed-read-model-store.js';
import { type DocumentBackend, type ProjectionRecord, type StoredDocument, valueAt, type WriteResult } from './document-backend.js';
import { type EqualityFilter, type IndexSpec } from './read-model-store.port.js';

/**
 * The embedded read-model store: the same semantics as the MongoDB one, in this process's memory.
 * Documents are copied in and out, so callers never share state with the store.
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

  async find(collection: string, filter: EqualityFilter, limit?: number): Promise<StoredDocument[]> {
    const found = [...(this.collections.get(collection)?.values() ?? [])]
      .filter((doc) => !doc._deleted && Object.entries(filter).every(([path, value]) => matches(valueAt(doc, path), value)))
      .sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    return structuredClone(limit ? found.slice(0, limit) : found);
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
