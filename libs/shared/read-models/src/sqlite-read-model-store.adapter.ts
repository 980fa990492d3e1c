import { DatabaseSync, StatementSync } from 'node:sqlite';
import { BackedReadModelStore } from './backed-read-model-store.js';
import {
  type CheckpointWrite,
  type DocumentBackend,
  POSITION_INDEX,
  type ProjectionRecord,
  type StoredDocument,
  valueAt,
  type WriteResult,
} from './document-backend.js';
import type { QueryPlan } from './read-model-query.js';
import type { IndexSpec, ReadModelQuery } from './read-model-store.port.js';

export type SqliteReadModelStoreOptions = {
  /** A database file (created when missing; its folder must exist), or ':memory:'. */
  path: string;
  /**
   * NORMAL (default) in WAL mode may lose the last commits on power loss: documents and their checkpoint go
   * together, so the projection re-applies those events on restart. FULL makes every commit durable.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock. */
  busyTimeoutMs?: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS read_model_collections (name TEXT PRIMARY KEY, indexes TEXT NOT NULL DEFAULT '[]') WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS read_model_projections (name TEXT PRIMARY KEY, generation TEXT NOT NULL, collections TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS read_model_checkpoints (key TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
`;

type Row = { id: string; doc: string; rev: string; position: number; version: number; deleted: number };
type Param = string | number | null;

// Names are checked by the store ([A-Za-z0-9_-]) and fields by the planner ([A-Za-z0-9_.]), so quoting them is safe.
const docsTable = (collection: string) => `"docs:${collection}"`;
const indexName = (collection: string, index: string) => `"ix:${collection}:${index}"`;
const sideTable = (collection: string, index: string) => `"arr:${collection}:${index}"`;
const sideKey = (collection: string, index: string) => `"arr:${collection}:${index}:key"`;
const sideById = (collection: string, index: string) => `"arr:${collection}:${index}:id"`;
/** The one spelling of a field in index definitions and queries: SQLite matches an expression index textually. */
const fieldOf = (field: string, table = '') => (field === '_position' ? `${table}position` : `json_extract(${table}doc, '$.${field}')`);

/** SQLite's own error codes: a unique index or the primary key refused a row. */
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

/**
 * The embedded read-model store: one SQLite file (WAL) per context holding documents as JSON, one table per
 * collection. Declared indexes are expression indexes over the JSON fields (partial: live documents only);
 * an index with an array field is a side table holding one row per value, kept in the document's
 * transaction. Projection checkpoints live in the same file and commit with the document they cover, so a
 * restart resumes exactly where the last commit left off.
 */
export class SqliteReadModelStore extends BackedReadModelStore {
  private readonly documents: SqliteDocuments;

  constructor(options: SqliteReadModelStoreOptions) {
    const documents = new SqliteDocuments(options);
    super(documents);
    this.documents = documents;
  }

  /** Physical collection names, generations included (for tests and diagnostics). */
  collectionNames(): Promise<string[]> {
    return this.backend.listCollections();
  }

  /** The EXPLAIN QUERY PLAN lines of the query as the store runs it (tests assert it never scans). */
  async explain(collection: string, query: ReadModelQuery): Promise<string[]> {
    const { physical, plan } = await this.plan(collection, query);
    return this.documents.explain(physical, plan);
  }
}

class SqliteDocuments implements DocumentBackend {
  readonly checkpointsWithWrites = true;
  private readonly db: DatabaseSync;
  private readonly tables = new Set<string>();
  private readonly declared = new Map<string, IndexSpec[]>();
  /** Prepared once per SQL text: parsing costs more than most of these statements take to run. */
  private readonly statements = new Map<string, StatementSync>();

  constructor(options: SqliteReadModelStoreOptions) {
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'};`);
    this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)};`);
    this.db.exec(SCHEMA);
  }

  async get(collection: string, id: string): Promise<StoredDocument | null> {
    if (!this.exists(collection)) return null;
    const row = this.prepare(`SELECT * FROM ${docsTable(collection)} WHERE id = ?`).get(id) as Row | undefined;
    return row ? storedOf(row) : null;
  }

  async insert(collection: string, doc: StoredDocument, checkpoint?: CheckpointWrite): Promise<WriteResult> {
    this.ensureTable(collection);
    return this.transaction(() => {
      if (this.prepare(`SELECT 1 FROM ${docsTable(collection)} WHERE id = ?`).get(doc._id)) return { ok: false, reason: 'conflict' };
      this.db
        .prepare(`INSERT INTO ${docsTable(collection)} (id, doc, rev, position, version, deleted) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(...rowOf(doc));
      this.writeSideRows(collection, doc);
      if (checkpoint) this.raise(checkpoint.key, checkpoint.position);
      return { ok: true };
    });
  }

  async replace(collection: string, doc: StoredDocument, expectedVersion: number, checkpoint?: CheckpointWrite): Promise<WriteResult> {
    this.ensureTable(collection);
    return this.transaction(() => {
      const [id, ...values] = rowOf(doc);
      const { changes } = this.db
        .prepare(
          `UPDATE ${docsTable(collection)} SET doc = ?, rev = ?, position = ?, version = ?, deleted = ? WHERE id = ? AND version = ?`,
        )
        .run(...values, id, expectedVersion);
      if (changes !== 1) return { ok: false, reason: 'conflict' };
      for (const index of this.arrayIndexes(collection))
        this.prepare(`DELETE FROM ${sideTable(collection, index.name)} WHERE id = ?`).run(id);
      this.writeSideRows(collection, doc);
      if (checkpoint) this.raise(checkpoint.key, checkpoint.position);
      return { ok: true };
    });
  }

  async query(collection: string, plan: QueryPlan, fetch: number | null): Promise<StoredDocument[]> {
    if (!this.exists(collection)) return [];
    const { sql, params } = this.sqlOf(collection, plan, fetch);
    return (this.prepare(sql).all(...params) as Row[]).map(storedOf);
  }

  explain(collection: string, plan: QueryPlan): string[] {
    this.ensureTable(collection);
    const { sql, params } = this.sqlOf(collection, plan, plan.limit);
    return (this.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
  }

  async maxPosition(collection: string): Promise<number | null> {
    if (!this.exists(collection)) return null;
    return (this.prepare(`SELECT max(position) AS p FROM ${docsTable(collection)}`).get() as { p: number | null }).p;
  }

  async createIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.ensureTable(collection);
    const before = new Map(this.indexesOfSync(collection).map((index) => [index.name, index]));
    for (const index of indexes) {
      if (index.name === POSITION_INDEX.name) {
        this.db.exec(`CREATE INDEX IF NOT EXISTS ${indexName(collection, index.name)} ON ${docsTable(collection)} (position)`);
        continue;
      }
      const previous = before.get(index.name);
      if (previous && JSON.stringify(previous) !== JSON.stringify(index)) this.dropIndex(collection, previous);
      if (index.array === undefined) {
        const columns = index.fields.map((field) => fieldOf(field)).join(', ');
        this.db.exec(
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${indexName(collection, index.name)} ON ${docsTable(collection)} (${columns}) WHERE deleted = 0`,
        );
      } else {
        this.createSideTable(collection, index);
      }
      before.set(index.name, { ...index, fields: [...index.fields] });
    }
    const declared = [...before.values()];
    this.prepare('UPDATE read_model_collections SET indexes = ? WHERE name = ?').run(JSON.stringify(declared), collection);
    this.declared.set(collection, declared);
  }

  async indexesOf(collection: string): Promise<IndexSpec[]> {
    return this.indexesOfSync(collection);
  }

  async dropCollection(collection: string): Promise<void> {
    for (const index of this.arrayIndexes(collection)) this.db.exec(`DROP TABLE IF EXISTS ${sideTable(collection, index.name)}`);
    this.db.exec(`DROP TABLE IF EXISTS ${docsTable(collection)}`);
    this.prepare('DELETE FROM read_model_collections WHERE name = ?').run(collection);
    this.tables.delete(collection);
    this.declared.delete(collection);
    this.statements.clear();
  }

  async listCollections(): Promise<string[]> {
    return (this.prepare('SELECT name FROM read_model_collections ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  async projectionOf(collection: string): Promise<string | null> {
    // A handful of projections per context: reading their records is cheap.
    const rows = this.prepare('SELECT name, collections FROM read_model_projections').all() as { name: string; collections: string }[];
    return rows.find((row) => (JSON.parse(row.collections) as string[]).includes(collection))?.name ?? null;
  }

  async readProjection(projection: string): Promise<ProjectionRecord | null> {
    return this.projectionRecord(projection);
  }

  async registerCollection(projection: string, collection: string): Promise<void> {
    this.transaction(() => {
      const record = this.projectionRecord(projection) ?? { generation: '', collections: [] };
      if (!record.collections.includes(collection)) record.collections.push(collection);
      this.writeProjection(projection, record);
      return { ok: true };
    });
  }

  async switchGeneration(projection: string, from: ProjectionRecord | null, to: ProjectionRecord): Promise<boolean> {
    const result = this.transaction(() => {
      const current = this.projectionRecord(projection);
      if (from === null ? current !== null : current?.generation !== from.generation) return { ok: false, reason: 'conflict' };
      this.writeProjection(projection, to);
      return { ok: true };
    });
    return result.ok;
  }

  async raiseCheckpoint(key: string, position: number): Promise<void> {
    this.raise(key, position);
  }

  async readCheckpoint(key: string): Promise<number | null> {
    const row = this.prepare('SELECT position FROM read_model_checkpoints WHERE key = ?').get(key) as { position: number } | undefined;
    return row?.position ?? null;
  }

  async deleteCheckpoint(key: string): Promise<void> {
    this.prepare('DELETE FROM read_model_checkpoints WHERE key = ?').run(key);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  /** The statement a plan runs: every condition on the index's columns, which INDEXED BY makes SQLite use. */
  private sqlOf(collection: string, plan: QueryPlan, fetch: number | null): { sql: string; params: Param[] } {
    const index = plan.index;
    const side = index?.array !== undefined;
    const column = (field: string) => (index && side ? `a.k${index.fields.indexOf(field)}` : fieldOf(field));
    const id = side ? 'a.id' : 'id';
    const where: string[] = side ? [] : ['deleted = 0'];
    const params: Param[] = [];
    const equal = (sqlColumn: string, value: unknown) => {
      if (value === null) return where.push(`${sqlColumn} IS NULL`);
      params.push(paramOf(value));
      where.push(`${sqlColumn} = ?`);
    };
    for (const { field, value } of plan.equal) equal(column(field), value);
    if (plan.range) {
      const col = column(plan.range.field);
      for (const [key, op] of [
        ['gt', '>'],
        ['gte', '>='],
        ['lt', '<'],
        ['lte', '<='],
      ] as const) {
        const bound = plan.range[key];
        if (bound === undefined) continue;
        where.push(`${col} ${op} ?`);
        params.push(bound);
      }
      // Type bracketing, as MongoDB does: SQLite orders every number before every string.
      if (plan.range.type === 'number' && plan.range.lt === undefined && plan.range.lte === undefined) where.push(`${col} < ''`);
      if (plan.range.type === 'string' && plan.range.gt === undefined && plan.range.gte === undefined) where.push(`${col} >= ''`);
    }
    const order = plan.order.field === null ? null : column(plan.order.field);
    // Ordered on a field: only documents that have it (-9e999 is minus infinity, below every number and string).
    if (order && plan.range?.field !== plan.order.field) where.push(`${order} >= -9e999`);
    for (const { field, value } of plan.residual) equal(side ? fieldOf(field, 'd.') : fieldOf(field), value);
    const [wide, strict] = plan.order.direction === 'asc' ? ['>=', '>'] : ['<=', '<'];
    if (plan.after && order) {
      where.push(`${order} ${wide} ? AND (${order} ${strict} ? OR ${id} ${strict} ?)`);
      params.push(paramOf(plan.after.value), paramOf(plan.after.value), plan.after.id);
    } else if (plan.after) {
      where.push(`${id} ${strict} ?`);
      params.push(plan.after.id);
    }
    const direction = plan.order.direction.toUpperCase();
    const orderBy = order ? `${order} ${direction}, ${id} ${direction}` : `${id} ${direction}`;
    const from = !index
      ? docsTable(collection)
      : side
        ? `${sideTable(collection, index.name)} AS a INDEXED BY ${sideKey(collection, index.name)} JOIN ${docsTable(collection)} AS d ON d.id = a.id`
        : `${docsTable(collection)} INDEXED BY ${indexName(collection, index.name)}`;
    const columns = side ? 'd.id, d.doc, d.rev, d.position, d.version, d.deleted' : 'id, doc, rev, position, version, deleted';
    const limit = fetch === null ? '' : ' LIMIT ?';
    if (fetch !== null) params.push(Math.trunc(fetch));
    return { sql: `SELECT ${columns} FROM ${from} WHERE ${where.length ? where.join(' AND ') : '1'} ORDER BY ${orderBy}${limit}`, params };
  }

  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` in one write transaction; a unique index's refusal rolls it back and answers `unique`. */
  private transaction(work: () => WriteResult): WriteResult {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec(result.ok ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      const code = (error as { errcode?: number }).errcode;
      if (code === SQLITE_CONSTRAINT_UNIQUE) return { ok: false, reason: 'unique', detail: (error as Error).message };
      if (code === SQLITE_CONSTRAINT_PRIMARYKEY) return { ok: false, reason: 'conflict' };
      throw error;
    }
  }

  private raise(key: string, position: number): void {
    this.db
      .prepare(
        'INSERT INTO read_model_checkpoints (key, position) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET position = max(position, excluded.position)',
      )
      .run(key, position);
  }

  private exists(collection: string): boolean {
    if (this.tables.has(collection)) return true;
    const found = this.prepare('SELECT 1 FROM read_model_collections WHERE name = ?').get(collection) !== undefined;
    if (found) this.tables.add(collection);
    return found;
  }

  private ensureTable(collection: string): void {
    if (this.exists(collection)) return;
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${docsTable(collection)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL, rev TEXT NOT NULL, position INTEGER NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL) WITHOUT ROWID`,
    );
    this.prepare('INSERT OR IGNORE INTO read_model_collections (name) VALUES (?)').run(collection);
    this.tables.add(collection);
  }

  private indexesOfSync(collection: string): IndexSpec[] {
    const cached = this.declared.get(collection);
    if (cached) return cached;
    const row = this.prepare('SELECT indexes FROM read_model_collections WHERE name = ?').get(collection) as
      { indexes: string } | undefined;
    const declared = row ? (JSON.parse(row.indexes) as IndexSpec[]) : [];
    if (row) this.declared.set(collection, declared);
    return declared;
  }

  private arrayIndexes(collection: string): IndexSpec[] {
    return this.indexesOfSync(collection).filter((index) => index.array !== undefined);
  }

  /** One row per distinct value of the array field, with the index's other fields beside it. */
  private writeSideRows(collection: string, doc: StoredDocument, indexes = this.arrayIndexes(collection)): void {
    if (doc._deleted) return;
    for (const index of indexes) {
      const field = index.array as string;
      const raw = valueAt(doc, field);
      const values = [...new Set((Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).map(paramOf))];
      const columns = index.fields.map((_, i) => `k${i}`).join(', ');
      const insert = this.prepare(
        `INSERT INTO ${sideTable(collection, index.name)} (id, ${columns}) VALUES (?, ${index.fields.map(() => '?').join(', ')})`,
      );
      for (const value of values) insert.run(doc._id, ...index.fields.map((f) => (f === field ? value : paramOf(valueAt(doc, f)))));
    }
  }

  private createSideTable(collection: string, index: IndexSpec): void {
    const columns = index.fields.map((_, i) => `k${i}`);
    const table = sideTable(collection, index.name);
    const existed = this.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table.slice(1, -1)) !== undefined;
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT NOT NULL, ${columns.join(', ')})`);
    this.db.exec(`CREATE INDEX IF NOT EXISTS ${sideKey(collection, index.name)} ON ${table} (${columns.join(', ')}, id)`);
    this.db.exec(`CREATE INDEX IF NOT EXISTS ${sideById(collection, index.name)} ON ${table} (id)`);
    if (existed) return;
    // Declared after documents were written: fill it once from them.
    this.transaction(() => {
      const rows = this.prepare(`SELECT * FROM ${docsTable(collection)} WHERE deleted = 0`).all() as Row[];
      for (const row of rows) this.writeSideRows(collection, storedOf(row), [index]);
      return { ok: true };
    });
  }

  private dropIndex(collection: string, index: IndexSpec): void {
    if (index.array === undefined) this.db.exec(`DROP INDEX IF EXISTS ${indexName(collection, index.name)}`);
    else this.db.exec(`DROP TABLE IF EXISTS ${sideTable(collection, index.name)}`);
  }

  private projectionRecord(projection: string): ProjectionRecord | null {
    const row = this.prepare('SELECT generation, collections FROM read_model_projections WHERE name = ?').get(projection) as
      { generation: string; collections: string } | undefined;
    return row ? { generation: row.generation, collections: JSON.parse(row.collections) as string[] } : null;
  }

  private writeProjection(projection: string, record: ProjectionRecord): void {
    this.db
      .prepare(
        'INSERT INTO read_model_projections (name, generation, collections) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, collections = excluded.collections',
      )
      .run(projection, record.generation, JSON.stringify(record.collections));
  }
}

/** JSON scalars as SQLite holds them through json_extract: booleans are 1 and 0, objects their JSON text. */
const paramOf = (value: unknown): Param => {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
};

function rowOf(doc: StoredDocument): [string, string, string, number, number, number] {
  const { _id, _rev, _position, _version, _deleted, ...fields } = doc;
  return [_id, JSON.stringify(fields), JSON.stringify(_rev), _position, _version, _deleted ? 1 : 0];
}

function storedOf(row: Row): StoredDocument {
  return {
    ...(JSON.parse(row.doc) as Record<string, unknown>),
    _id: row.id,
    _rev: JSON.parse(row.rev) as Record<string, number>,
    _position: row.position,
    _version: row.version,
    _deleted: row.deleted === 1,
  };
}
