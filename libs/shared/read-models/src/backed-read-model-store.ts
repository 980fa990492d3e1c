import { type DocumentBackend, POSITION_INDEX, type ProjectionRecord, type StoredDocument, valueAt } from './document-backend.js';
import { assertQueryField, encodeCursor, planQuery, type QueryPlan, wholeCollection } from './read-model-query.js';
import {
  type ApplyOutcome,
  type CheckpointUpdate,
  type EqualityFilter,
  type FindOptions,
  type IndexSpec,
  InvalidReadModelWrite,
  RebuildConflict,
  type RebuildResult,
  type ReadModelDocument,
  type ReadModelPage,
  type ReadModelQuery,
  type ReadModelStore,
  type Scalar,
  RESERVED_FIELDS,
  type RevisionGuard,
  UniqueIndexViolation,
} from './read-model-store.port.js';

/** A rebuild's view: these collections of this projection resolve to the generation being built. */
type Pin = { projection: string; generation: string; collections: ReadonlySet<string> };

/** What every view of one backend shares: declared indexes and the collection-to-projection map. */
type Shared = {
  indexes: Map<string, Map<string, IndexSpec>>;
  owners: Map<string, string>;
  prepared: Set<string>;
  /** Tails of the per-document write queues of this process. */
  queues: Map<string, Promise<void>>;
};

const REBUILD_SUFFIX = '__rebuild_';
const MAX_ATTEMPTS = 50;
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export const physicalName = (collection: string, generation: string): string =>
  generation ? `${collection}${REBUILD_SUFFIX}${generation}` : collection;

const checkpointKey = (projection: string, generation: string): string => `${projection}@${generation}`;

/** Stream ids become field names: '.' and '$' are not allowed there, so they (and '%') are escaped. */
const streamKey = (streamId: string): string => streamId.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The read-model store's semantics over any DocumentBackend. Correctness rests on single-document
 * atomicity only (FerretDB v1 has no transactions):
 * - a document write is a compare-and-swap on `_version`, and carries the stream revision it folds in
 *   (`_rev`) and the projection checkpoint (`_position`), so a document and its guard never disagree;
 * - the projection's checkpoint document is raised with `$max` after the document write. A crash between
 *   the two leaves it lower than the last applied event, never higher; `readCheckpoint` also takes the
 *   highest `_position` of the documents, and any event re-applied from a lower point hits the guard.
 * Generations: a projection's record names the generation its collections live in; a rebuild fills a
 * fresh one and switches the record in one single-document write (FerretDB cannot rename over an
 * existing collection, and renames of several collections are not atomic together anyway).
 */
export class BackedReadModelStore implements ReadModelStore {
  private readonly shared: Shared;
  /** A rebuild's view: the highest checkpoint its writes carried, not yet stored. */
  private pendingCheckpoint: number | null = null;

  constructor(
    protected readonly backend: DocumentBackend,
    private readonly pin: Pin | null = null,
    shared?: Shared,
  ) {
    this.shared = shared ?? { indexes: new Map(), owners: new Map(), prepared: new Set(), queues: new Map() };
  }

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    assertName(collection, 'collection');
    const declared = this.shared.indexes.get(collection) ?? new Map<string, IndexSpec>();
    for (const index of indexes) {
      assertName(index.name, 'index');
      if (index.fields.length === 0) throw new InvalidReadModelWrite(`index ${index.name} has no fields`);
      index.fields.forEach((field) => {
        assertField(field);
        assertQueryField(field);
      });
      if (index.array !== undefined && (!index.fields.includes(index.array) || index.unique)) {
        throw new InvalidReadModelWrite(`index ${index.name}: its array field must be one of its fields, and it cannot be unique`);
      }
      declared.set(index.name, { ...index, fields: [...index.fields] });
    }
    this.shared.indexes.set(collection, declared);
    const { generation } = await this.resolve(collection);
    await this.backend.createIndexes(physicalName(collection, generation), [...declared.values(), POSITION_INDEX]);
  }

  async apply<T extends ReadModelDocument>(
    collection: string,
    id: string,
    guard: RevisionGuard,
    update: (current: T | null) => T | null,
    checkpoint: CheckpointUpdate,
  ): Promise<ApplyOutcome> {
    assertName(collection, 'collection');
    if (typeof id !== 'string' || id === '') throw new InvalidReadModelWrite(`${collection}: a document id must be a non-empty string`);
    const { generation } = await this.register(collection, checkpoint.projection);
    const physical = physicalName(collection, generation);
    await this.prepare(collection, physical);
    const key = streamKey(guard.streamId);
    const cpKey = checkpointKey(checkpoint.projection, generation);
    // A backend with transactions stores the checkpoint with the document: a crash keeps both or neither.
    const withWrite = !this.pin && this.backend.checkpointsWithWrites ? { key: cpKey, position: checkpoint.position } : undefined;
    // Nobody reads a generation under construction: its checkpoint is written once, before the switch.
    const raise = async () =>
      this.pin
        ? void (this.pendingCheckpoint = Math.max(this.pendingCheckpoint ?? 0, checkpoint.position))
        : this.queued(`checkpoint\u0000${cpKey}`, () => this.backend.raiseCheckpoint(cpKey, checkpoint.position));
    // FerretDB v1 evaluates an update's filter and writes in separate steps, so two concurrent
    // compare-and-swaps on one document can both win; writes to one document are queued in this process.
    // Across processes the compare-and-swap holds on MongoDB; on FerretDB one runner per projection must.
    return this.queued(`${physical}\u0000${id}`, async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const stored = await this.backend.get(physical, id);
        if (stored && (stored._rev[key] ?? -1) >= guard.revision) {
          await raise();
          return 'skipped';
        }
        const existed = stored !== null && !stored._deleted;
        const next = update(existed ? documentOf<T>(stored) : null);
        if (next === null && !stored) {
          await raise();
          return 'unchanged';
        }
        if (next !== null) assertDocument(next);
        const doc: StoredDocument = {
          ...(next ?? {}),
          _id: id,
          _rev: { ...(stored?._rev ?? {}), [key]: guard.revision },
          _position: Math.max(stored?._position ?? 0, checkpoint.position),
          _version: (stored?._version ?? 0) + 1,
          _deleted: next === null,
        };
        const result = stored
          ? await this.backend.replace(physical, doc, stored._version, withWrite)
          : await this.backend.insert(physical, doc, withWrite);
        if (!result.ok && result.reason === 'conflict') continue;
        if (!result.ok) throw new UniqueIndexViolation(collection, id, this.indexNamed(collection, result.detail));
        if (!withWrite) await raise();
        return next === null && !existed ? 'unchanged' : 'applied';
      }
      throw new Error(`${collection}/${id}: ${MAX_ATTEMPTS} concurrent writes in a row; giving up`);
    });
  }

  async get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | null> {
    assertName(collection, 'collection');
    const { generation } = await this.resolve(collection);
    const stored = await this.backend.get(physicalName(collection, generation), id);
    return stored && !stored._deleted ? documentOf<T>(stored) : null;
  }

  async findOne<T extends ReadModelDocument>(collection: string, filter: EqualityFilter): Promise<T | null> {
    const [first] = await this.find<T>(collection, filter, { limit: 1 });
    return first ?? null;
  }

  async find<T extends ReadModelDocument>(collection: string, filter: EqualityFilter = {}, options: FindOptions = {}): Promise<T[]> {
    assertFilter(filter);
    if (Object.keys(filter).length > 0) return (await this.query<T>(collection, { where: filter, limit: options.limit })).items;
    assertName(collection, 'collection');
    const { generation } = await this.resolve(collection);
    const found = await this.backend.query(
      physicalName(collection, generation),
      wholeCollection(options.limit ?? null),
      options.limit ?? null,
    );
    return found.map((stored) => documentOf<T>(stored));
  }

  async query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> {
    const { physical, plan } = await this.plan(collection, query);
    const found = await this.backend.query(physical, plan, plan.limit === null ? null : plan.limit + 1);
    const page = plan.limit === null ? found : found.slice(0, plan.limit);
    const last = page[page.length - 1];
    const next =
      found.length > page.length && last
        ? encodeCursor(plan, plan.order.field === null ? null : (valueAt(last, plan.order.field) as Scalar), last._id)
        : null;
    return { items: page.map((stored) => documentOf<T>(stored)), next };
  }

  /** The physical collection and the plan of a query on it (what `explain` in an adapter's tests runs). */
  protected async plan(collection: string, query: ReadModelQuery): Promise<{ physical: string; plan: QueryPlan }> {
    assertName(collection, 'collection');
    const { generation } = await this.resolve(collection);
    const physical = physicalName(collection, generation);
    return { physical, plan: planQuery(collection, await this.declaredIndexes(collection, physical), query) };
  }

  /** Declared in this process, or else by whoever created the collection's indexes. */
  private async declaredIndexes(collection: string, physical: string): Promise<IndexSpec[]> {
    const known = this.shared.indexes.get(collection);
    if (known?.size) return [...known.values()];
    const stored = await this.backend.indexesOf(physical);
    if (stored.length) this.shared.indexes.set(collection, new Map(stored.map((index) => [index.name, index])));
    return stored;
  }

  async readCheckpoint(projection: string): Promise<number | null> {
    const record: ProjectionRecord | null =
      this.pin?.projection === projection
        ? { generation: this.pin.generation, collections: [...this.pin.collections] }
        : await this.backend.readProjection(projection);
    const generation = record?.generation ?? '';
    const positions = await Promise.all([
      this.backend.readCheckpoint(checkpointKey(projection, generation)),
      ...(record?.collections ?? []).map((collection) => this.backend.maxPosition(physicalName(collection, generation))),
    ]);
    if (this.pin?.projection === projection) positions.push(this.pendingCheckpoint);
    const known = positions.filter((p): p is number => p !== null);
    return known.length ? Math.max(...known) : null;
  }

  async rebuild(
    projection: string,
    collections: readonly string[],
    run: (target: ReadModelStore) => Promise<void>,
  ): Promise<RebuildResult> {
    if (this.pin) throw new InvalidReadModelWrite('a rebuild cannot start inside another rebuild');
    assertName(projection, 'projection');
    if (collections.length === 0) throw new InvalidReadModelWrite(`projection ${projection}: nothing to rebuild`);
    for (const collection of collections) {
      assertName(collection, 'collection');
      const owner = await this.ownerOf(collection);
      if (owner !== null && owner !== projection) throw new InvalidReadModelWrite(`${collection} belongs to projection ${owner}`);
    }
    const before = await this.backend.readProjection(projection);
    const previous: ProjectionRecord = before ?? { generation: '', collections: [...collections] };
    // Timestamps name generations; a clock that went back must still give a new, higher one.
    const generation = String(Math.max(Date.now(), Number(previous.generation || 0) + 1));

    await this.dropLeftovers(projection, [...new Set([...previous.collections, ...collections])], previous.generation);
    const target = new BackedReadModelStore(this.backend, { projection, generation, collections: new Set(collections) }, this.shared);
    for (const collection of collections) {
      const declared = this.shared.indexes.get(collection)?.values() ?? [];
      await this.backend.createIndexes(physicalName(collection, generation), [...declared, POSITION_INDEX]);
    }
    const dropTarget = () => this.dropGeneration(projection, collections, generation);
    try {
      await run(target);
    } catch (error) {
      await dropTarget();
      throw error;
    }
    if (target.pendingCheckpoint !== null)
      await this.backend.raiseCheckpoint(checkpointKey(projection, generation), target.pendingCheckpoint);
    if (!(await this.backend.switchGeneration(projection, before, { generation, collections: [...collections] }))) {
      await dropTarget();
      throw new RebuildConflict(projection);
    }
    for (const collection of collections) this.shared.owners.set(collection, projection);
    await this.dropGeneration(projection, previous.collections, previous.generation);
    return { projection, generation, previousGeneration: before ? before.generation : null };
  }

  async close(): Promise<void> {
    // A rebuild's view shares its parent's backend; only the parent closes it.
    if (!this.pin) await this.backend.close();
  }

  /** Runs `work` after every earlier queued work of the same key in this process has settled. */
  private async queued<R>(key: string, work: () => Promise<R>): Promise<R> {
    const before = this.shared.queues.get(key) ?? Promise.resolve();
    const result = before.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.shared.queues.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.shared.queues.get(key) === tail) this.shared.queues.delete(key);
    }
  }

  /** The generation a collection lives in now; '' for a collection no projection has written. */
  private async resolve(collection: string): Promise<{ projection: string | null; generation: string }> {
    if (this.pin) {
      if (!this.pin.collections.has(collection)) {
        throw new InvalidReadModelWrite(
          `the rebuild of ${this.pin.projection} covers ${[...this.pin.collections].join(', ')}, not ${collection}`,
        );
      }
      return { projection: this.pin.projection, generation: this.pin.generation };
    }
    const projection = await this.ownerOf(collection);
    if (projection === null) return { projection, generation: '' };
    // Read every time: another process may have switched generations since.
    return { projection, generation: (await this.backend.readProjection(projection))?.generation ?? '' };
  }

  private async register(collection: string, projection: string): Promise<{ generation: string }> {
    assertName(projection, 'projection');
    if (this.pin) {
      if (projection !== this.pin.projection)
        throw new InvalidReadModelWrite(`a rebuild of ${this.pin.projection} cannot write for ${projection}`);
      return this.resolve(collection);
    }
    const owner = await this.ownerOf(collection);
    if (owner !== null && owner !== projection)
      throw new InvalidReadModelWrite(`${collection} belongs to projection ${owner}, not ${projection}`);
    if (owner === null) {
      await this.backend.registerCollection(projection, collection);
      this.shared.owners.set(collection, projection);
    }
    return this.resolve(collection);
  }

  /** Collections belong to one projection for good, so the answer is cached once known. */
  private async ownerOf(collection: string): Promise<string | null> {
    const cached = this.shared.owners.get(collection);
    if (cached) return cached;
    const owner = await this.backend.projectionOf(collection);
    if (owner) this.shared.owners.set(collection, owner);
    return owner;
  }

  /** First write to a physical collection from this process: make sure its indexes exist. */
  private async prepare(collection: string, physical: string): Promise<void> {
    if (this.shared.prepared.has(physical)) return;
    await this.backend.createIndexes(physical, [...(this.shared.indexes.get(collection)?.values() ?? []), POSITION_INDEX]);
    this.shared.prepared.add(physical);
  }

  private async dropGeneration(projection: string, collections: readonly string[], generation: string): Promise<void> {
    for (const collection of collections) {
      const physical = physicalName(collection, generation);
      await this.backend.dropCollection(physical);
      this.shared.prepared.delete(physical);
    }
    await this.backend.deleteCheckpoint(checkpointKey(projection, generation));
  }

  /** Generations an aborted rebuild (a crash in `run`) left behind; one rebuild per projection at a time. */
  private async dropLeftovers(projection: string, collections: readonly string[], keep: string): Promise<void> {
    const existing = await this.backend.listCollections();
    for (const collection of collections) {
      const prefix = `${collection}${REBUILD_SUFFIX}`;
      for (const name of existing) {
        const generation = name.startsWith(prefix) ? name.slice(prefix.length) : null;
        if (generation !== null && generation !== keep && /^\d+$/.test(generation)) {
          await this.dropGeneration(projection, [collection], generation);
        }
      }
    }
  }

  /** Which declared index the server's message names; servers differ in what they say. */
  private indexNamed(collection: string, detail: string): string | null {
    const unique = [...(this.shared.indexes.get(collection)?.values() ?? [])].filter((index) => index.unique);
    const named = unique.filter((index) => new RegExp(`(^|[^A-Za-z0-9_])(\\w+_)?${escape(index.name)}([^A-Za-z0-9_]|$)`).test(detail));
    if (named.length === 1) return named[0].name;
    // FerretDB names no index on insert; with a single unique index there is only one candidate.
    return unique.length === 1 ? unique[0].name : null;
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function documentOf<T extends ReadModelDocument>(stored: StoredDocument): T {
  const doc: Record<string, unknown> = { ...stored };
  for (const field of RESERVED_FIELDS) delete doc[field];
  return doc as T;
}

function assertName(name: string, what: string): void {
  if (typeof name !== 'string' || !NAME.test(name) || name.includes(REBUILD_SUFFIX)) {
    throw new InvalidReadModelWrite(`${what} name ${JSON.stringify(name)}: letters, digits, '_' and '-' only, starting with a letter`);
  }
}

function assertField(path: string): void {
  if (
    path.split('.').some((step) => step === '' || step.startsWith('$')) ||
    (RESERVED_FIELDS as readonly string[]).includes(path.split('.')[0])
  ) {
    throw new InvalidReadModelWrite(`field ${JSON.stringify(path)} is reserved or not storable`);
  }
}

/** Field names MongoDB and FerretDB can store, none of the store's own, all the way down. */
function assertDocument(doc: unknown, top = true): void {
  if (doc === null || typeof doc !== 'object') return;
  if (Array.isArray(doc)) return doc.forEach((item) => assertDocument(item, false));
  if (doc instanceof Date) return;
  for (const [field, value] of Object.entries(doc)) {
    if (field.includes('.') || field.startsWith('$') || (top && (RESERVED_FIELDS as readonly string[]).includes(field))) {
      throw new InvalidReadModelWrite(`field ${JSON.stringify(field)} is reserved or not storable`);
    }
    assertDocument(value, false);
  }
}

/** Scalars only: an object value would reach MongoDB as a query operator (say, from a query string). */
function assertFilter(filter: EqualityFilter): void {
  for (const [field, value] of Object.entries(filter)) {
    assertField(field);
    if (value !== null && typeof value === 'object') throw new InvalidReadModelWrite(`filter on ${field}: equality with a scalar only`);
  }
}
