import mongoose, { Connection } from 'mongoose';
import { BackedReadModelStore } from '../backed-read-model-store.js';
import { type DocumentBackend, POSITION_INDEX, type ProjectionRecord, type StoredDocument, type WriteResult } from '../document-backend.js';
import type { QueryPlan } from '../read-model-query.js';
import type { IndexSpec, ReadModelQuery } from '../read-model-store.port.js';

export type MongooseReadModelStoreOptions = {
  /** e.g. mongodb://127.0.0.1:27117/ (FerretDB) or a replica set's URL. */
  url: string;
  dbName: string;
  serverSelectionTimeoutMS?: number;
};

/** The store's own collection: projection records (which generation is live) and checkpoints. */
const META = '_read_models';

type MetaDoc = {
  _id: string;
  kind?: 'projection';
  generation?: string;
  collections?: string[];
  position?: number;
  /** `indexes:<collection>`: the declared indexes, so any process plans queries on them. */
  specs?: IndexSpec[];
};

/**
 * The read-model store on MongoDB through mongoose's connection, written for what FerretDB v1 (SQLite
 * backend) supports as well: single-document atomic writes, `$max`, `$addToSet`, unique indexes. It uses
 * no transactions (FerretDB refuses them), no `renameCollection` with `dropTarget` (not implemented),
 * no partial indexes (not implemented) and no pipeline updates (refused).
 */
export class MongooseReadModelStore extends BackedReadModelStore {
  private readonly documents: MongooseDocuments;

  private constructor(
    private readonly connection: Connection,
    ownsConnection: boolean,
  ) {
    const documents = new MongooseDocuments(connection, ownsConnection);
    super(documents);
    this.documents = documents;
  }

  static async connect(options: MongooseReadModelStoreOptions): Promise<MongooseReadModelStore> {
    const connection = await mongoose
      .createConnection(options.url, { dbName: options.dbName, serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 })
      .asPromise();
    return new MongooseReadModelStore(connection, true);
  }

  /** On a connection the caller owns (and closes). */
  static onConnection(connection: Connection): MongooseReadModelStore {
    return new MongooseReadModelStore(connection, false);
  }

  /** Physical collection names, generations included (for tests and diagnostics). */
  collectionNames(): Promise<string[]> {
    return this.backend.listCollections();
  }

  /** The server's explain() of the query as the store runs it (tests assert it never scans the collection). */
  async explain(collection: string, query: ReadModelQuery): Promise<Record<string, unknown>> {
    const { physical, plan } = await this.plan(collection, query);
    return this.documents.cursorOf(physical, plan, plan.limit).explain();
  }

  async dropDatabase(): Promise<void> {
    await this.connection.dropDatabase();
  }
}

class MongooseDocuments implements DocumentBackend {
  readonly checkpointsWithWrites = false;

  constructor(
    private readonly connection: Connection,
    private readonly ownsConnection: boolean,
  ) {}

  private get db(): mongoose.mongo.Db {
    const db = this.connection.db;
    if (!db) throw new Error('the read-model store is not connected');
    return db;
  }

  private docs(collection: string) {
    return this.db.collection<StoredDocument>(collection);
  }

  private get meta() {
    return this.db.collection<MetaDoc>(META);
  }

  async get(collection: string, id: string): Promise<StoredDocument | null> {
    return this.docs(collection).findOne({ _id: id });
  }

  async insert(collection: string, doc: StoredDocument): Promise<WriteResult> {
    try {
      await this.docs(collection).insertOne(doc);
      return { ok: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // FerretDB says neither which index nor whether it was `_id`: a document under the id means a race.
      if (await this.docs(collection).findOne({ _id: doc._id }, { projection: { _id: 1 } })) return { ok: false, reason: 'conflict' };
      return { ok: false, reason: 'unique', detail: messageOf(error) };
    }
  }

  async replace(collection: string, doc: StoredDocument, expectedVersion: number): Promise<WriteResult> {
    const { _id, ...replacement } = doc;
    try {
      const result = await this.docs(collection).replaceOne({ _id, _version: expectedVersion }, replacement);
      return result.matchedCount === 1 ? { ok: true } : { ok: false, reason: 'conflict' };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { ok: false, reason: 'unique', detail: messageOf(error) };
    }
  }

  async query(collection: string, plan: QueryPlan, fetch: number | null): Promise<StoredDocument[]> {
    return this.cursorOf(collection, plan, fetch).toArray();
  }

  /** The plan as a find on the plan's index (hinted); MongoDB's equality already means "holds" on arrays. */
  cursorOf(collection: string, plan: QueryPlan, fetch: number | null) {
    const and: Record<string, unknown>[] = [{ _deleted: false }];
    for (const { field, value } of [...plan.equal, ...plan.residual]) and.push({ [field]: value });
    if (plan.range) {
      const { field, gt, gte, lt, lte } = plan.range;
      const bounds = Object.entries({ $gt: gt, $gte: gte, $lt: lt, $lte: lte }).filter(([, v]) => v !== undefined);
      and.push({ [field]: Object.fromEntries(bounds) });
    }
    const { field, direction } = plan.order;
    if (field !== null && plan.range?.field !== field) and.push({ [field]: { $ne: null } });
    const strict = direction === 'asc' ? '$gt' : '$lt';
    if (plan.after && field !== null) {
      and.push({ $or: [{ [field]: { [strict]: plan.after.value } }, { [field]: plan.after.value, _id: { [strict]: plan.after.id } }] });
    } else if (plan.after) {
      and.push({ _id: { [strict]: plan.after.id } });
    }
    const sign = direction === 'asc' ? 1 : -1;
    const cursor = this.docs(collection)
      .find({ $and: and } as mongoose.mongo.Filter<StoredDocument>)
      .sort(field === null ? { _id: sign } : { [field]: sign, _id: sign });
    if (plan.index) cursor.hint(plan.index.name);
    if (fetch !== null) cursor.limit(fetch);
    return cursor;
  }

  async maxPosition(collection: string): Promise<number | null> {
    const [top] = await this.docs(collection)
      .find({}, { projection: { _position: 1 } })
      .sort({ _position: -1 })
      .limit(1)
      .toArray();
    return top ? top._position : null;
  }

  async createIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    for (const index of indexes) {
      // A non-unique index ends with _id, so ties in a sorted page are ordered by the index too.
      const keys = { ...Object.fromEntries(index.fields.map((field) => [field, 1])), ...(index.unique ? {} : { _id: 1 }) };
      // Sparse: tombstones carry no projection fields and must not collide. FerretDB accepts the option
      // and drops it, but its SQLite unique indexes skip missing fields anyway.
      const options = { name: index.name, ...(index.unique ? { unique: true, sparse: true } : {}) };
      try {
        await this.docs(collection).createIndex(keys, options);
      } catch (error) {
        // The declaration changed under the same name (IndexOptionsConflict, IndexKeySpecsConflict): replace it.
        if (codeOf(error) !== 85 && codeOf(error) !== 86) throw error;
        await this.docs(collection).dropIndex(index.name);
        await this.docs(collection).createIndex(keys, options);
      }
    }
    const declared = indexes.filter((index) => index.name !== POSITION_INDEX.name);
    if (declared.length === 0) return;
    const known = new Map((await this.indexesOf(collection)).map((index) => [index.name, index]));
    for (const index of declared) known.set(index.name, { ...index, fields: [...index.fields] });
    await upsertOnce(() =>
      this.meta.updateOne({ _id: `indexes:${collection}` }, { $set: { specs: [...known.values()] } }, { upsert: true }),
    );
  }

  async indexesOf(collection: string): Promise<IndexSpec[]> {
    return (await this.meta.findOne({ _id: `indexes:${collection}` }))?.specs ?? [];
  }

  async dropCollection(collection: string): Promise<void> {
    await this.meta.deleteOne({ _id: `indexes:${collection}` });
    try {
      await this.db.dropCollection(collection);
    } catch (error) {
      if (codeOf(error) !== 26) throw error; // NamespaceNotFound: already gone.
    }
  }

  async listCollections(): Promise<string[]> {
    const collections = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return collections.map((c) => c.name).sort();
  }

  async projectionOf(collection: string): Promise<string | null> {
    const record = await this.meta.findOne({ kind: 'projection', collections: collection }, { projection: { _id: 1 } });
    return record ? record._id.slice('projection:'.length) : null;
  }

  async readProjection(projection: string): Promise<ProjectionRecord | null> {
    const record = await this.meta.findOne({ _id: `projection:${projection}` });
    return record ? { generation: record.generation ?? '', collections: record.collections ?? [] } : null;
  }

  async registerCollection(projection: string, collection: string): Promise<void> {
    await upsertOnce(() =>
      this.meta.updateOne(
        { _id: `projection:${projection}` },
        { $addToSet: { collections: collection }, $setOnInsert: { kind: 'projection', generation: '' } },
        { upsert: true },
      ),
    );
  }

  async switchGeneration(projection: string, from: ProjectionRecord | null, to: ProjectionRecord): Promise<boolean> {
    const _id = `projection:${projection}`;
    if (from === null) {
      try {
        await this.meta.insertOne({ _id, kind: 'projection', generation: to.generation, collections: to.collections });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    const result = await this.meta.updateOne(
      { _id, generation: from.generation },
      { $set: { generation: to.generation, collections: to.collections } },
    );
    return result.matchedCount === 1;
  }

  async raiseCheckpoint(key: string, position: number): Promise<void> {
    await upsertOnce(() => this.meta.updateOne({ _id: `checkpoint:${key}` }, { $max: { position } }, { upsert: true }));
  }

  async readCheckpoint(key: string): Promise<number | null> {
    return (await this.meta.findOne({ _id: `checkpoint:${key}` }))?.position ?? null;
  }

  async deleteCheckpoint(key: string): Promise<void> {
    await this.meta.deleteOne({ _id: `checkpoint:${key}` });
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }
}

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * MongoDB answers 11000. FerretDB v1 does on insert, but on update/replace it answers InternalError (1)
 * with SQLite's "UNIQUE constraint failed: index '<table>_<hash>_<name>'".
 */
const isDuplicateKey = (error: unknown): boolean =>
  codeOf(error) === 11000 || (codeOf(error) === 1 && /UNIQUE constraint failed/.test(messageOf(error)));

/** Two concurrent upserts of one new document: one inserts, the other gets a duplicate key; retry it once. */
async function upsertOnce(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await write();
  }
}
