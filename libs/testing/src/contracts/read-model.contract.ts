import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventProcessor, SqliteEventStore } from '@vgp/event-store';
import {
  type ApplyOutcome,
  type IndexSpec,
  InvalidReadModelQuery,
  InvalidReadModelWrite,
  type ProjectionDefinition,
  projectionHandler,
  type ReadModelDocument,
  type ReadModelQuery,
  type ReadModelStore,
  readModelProjection,
  UniqueIndexViolation,
  UnindexedQuery,
} from '@vgp/read-models';
import { eventually } from '../eventually.js';
import { aNewEvent } from './event-store.contract.js';

export type ReadModelStoreFixture = {
  store: ReadModelStore;
  /** Physical collection names in the store's database, generations included. */
  collectionNames(): Promise<string[]>;
  /** A second store on the same data, as a restarted process would open it; the same store when the data lives in it. */
  reopen?(): Promise<ReadModelStore>;
  cleanup(): Promise<void>;
  /**
   * How the database runs the query: the index it uses, and whether it reads the whole documents table
   * (null when the server does not report it). Required when the contract runs with `explains`.
   */
  explain?(collection: string, query: ReadModelQuery): Promise<QueryExplanation>;
};

export type QueryExplanation = { index: string | null; scans: boolean | null; plan: string };

export type ReadModelContractOptions = {
  /** The adapter's database has a query plan to check (not the in-memory store). */
  explains?: boolean;
};

/** Names no other test uses, so an adapter may share one database between tests. */
const aName = (prefix: string) => `${prefix}${randomUUID().replaceAll('-', '').slice(0, 12)}`;

type Tally = ReadModelDocument & { key: string; count: number; seen: number[] };
type Counted = { type: 'Counted'; data: { key: string } };

/** A fold that is NOT idempotent on its own: only the store's guard keeps a replay from counting twice. */
const tallied = (doc: Tally | null, key: string, mark: number): Tally => ({
  key,
  count: (doc?.count ?? 0) + 1,
  seen: [...(doc?.seen ?? []), mark],
});

/**
 * The behaviour every read-model store adapter must have: idempotent replays through the revision guard,
 * a checkpoint that moves with the writes, typed unique-index errors, generation switch on rebuild and
 * equality queries. Projections run over a real SQLite event store on disk.
 */
export function describeReadModelStoreContract(
  name: string,
  factory: () => Promise<ReadModelStoreFixture>,
  options: ReadModelContractOptions = {},
): void {
  describe(`${name} (read-model store contract)`, () => {
    let fixture: ReadModelStoreFixture;
    let store: ReadModelStore;
    let projection: string;
    let collection: string;
    const at = (position: number) => ({ projection, position });

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      projection = aName('p');
      collection = aName('c');
    });
    afterEach(() => fixture.cleanup());

    describe('revision guard', () => {
      it('makes a replayed event a no-op, however often it comes', async () => {
        const stream = `consultation-${randomUUID()}`;
        const fold = (revision: number) => (doc: Tally | null) => tallied(doc, 'k', revision);
        expect(await store.apply(collection, 'k', { streamId: stream, revision: 0 }, fold(0), at(1))).toBe('applied');
        expect(await store.apply(collection, 'k', { streamId: stream, revision: 1 }, fold(1), at(2))).toBe('applied');
        for (const revision of [0, 1, 1, 0]) {
          expect(await store.apply(collection, 'k', { streamId: stream, revision }, fold(revision), at(2))).toBe('skipped');
        }
        expect(await store.get(collection, 'k')).toEqual({ key: 'k', count: 2, seen: [0, 1] });
      });

      it('never lets an older revision of a stream overwrite a newer one', async () => {
        const stream = `consultation-${randomUUID()}`;
        await store.apply(collection, 'c1', { streamId: stream, revision: 3 }, () => ({ status: 'cancelled' }), at(9));
        const older = await store.apply(collection, 'c1', { streamId: stream, revision: 2 }, () => ({ status: 'booked' }), at(7));
        expect(older).toBe('skipped');
        expect(await store.get(collection, 'c1')).toEqual({ status: 'cancelled' });
      });

      it('guards each stream on its own, so a document fed by several streams takes each of them', async () => {
        const [a, b] = [`consultation-${randomUUID()}`, `consultation.v2-${randomUUID()}`];
        await store.apply(
          collection,
          'patient-1',
          { streamId: a, revision: 5 },
          (doc: Tally | null) => tallied(doc, 'patient-1', 5),
          at(1),
        );
        await store.apply(
          collection,
          'patient-1',
          { streamId: b, revision: 0 },
          (doc: Tally | null) => tallied(doc, 'patient-1', 0),
          at(2),
        );
        await store.apply(
          collection,
          'patient-1',
          { streamId: b, revision: 0 },
          (doc: Tally | null) => tallied(doc, 'patient-1', 0),
          at(2),
        );
        expect(await store.get<Tally>(collection, 'patient-1')).toMatchObject({ count: 2, seen: [5, 0] });
      });

      it('keeps a deleted document deleted when an older event of its stream is replayed', async () => {
        const stream = `consultation-${randomUUID()}`;
        await store.ensureIndexes(collection, [{ name: 'by_clinic', fields: ['clinicId'] }]);
        await store.apply(collection, 'c1', { streamId: stream, revision: 0 }, () => ({ clinicId: 'k1' }), at(1));
        expect(await store.apply(collection, 'c1', { streamId: stream, revision: 1 }, () => null, at(2))).toBe('applied');
        expect(await store.apply(collection, 'c1', { streamId: stream, revision: 0 }, () => ({ clinicId: 'k1' }), at(1))).toBe('skipped');
        expect(await store.get(collection, 'c1')).toBeNull();
        expect(await store.find(collection, { clinicId: 'k1' })).toEqual([]);
        // A later event may bring it back: deletion is a state like any other.
        await store.apply(collection, 'c1', { streamId: stream, revision: 2 }, (doc) => ({ clinicId: 'k1', revived: doc === null }), at(3));
        expect(await store.get(collection, 'c1')).toEqual({ clinicId: 'k1', revived: true });
      });

      it('loses no update when writers race on one document', async () => {
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            store.apply(
              collection,
              'shared',
              { streamId: `s-${i}`, revision: 0 },
              (doc: Tally | null) => tallied(doc, 'shared', i),
              at(i + 1),
            ),
          ),
        );
        expect(outcomes).toEqual(Array<ApplyOutcome>(8).fill('applied'));
        const doc = await store.get<Tally>(collection, 'shared');
        expect(doc?.count).toBe(8);
        expect([...(doc?.seen ?? [])].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      });
    });

    describe('checkpoint', () => {
      it('moves with the writes, never backwards, and per projection', async () => {
        expect(await store.readCheckpoint(projection)).toBeNull();
        await store.apply(collection, 'a', { streamId: 's-1', revision: 0 }, () => ({ n: 1 }), at(5));
        expect(await store.readCheckpoint(projection)).toBe(5);
        // A skipped replay still reports where it got to, but cannot lower the checkpoint.
        await store.apply(collection, 'a', { streamId: 's-1', revision: 0 }, () => ({ n: 1 }), at(3));
        expect(await store.readCheckpoint(projection)).toBe(5);
        await store.apply(collection, 'b', { streamId: 's-2', revision: 0 }, () => null, at(8));
        expect(await store.readCheckpoint(projection)).toBe(8);
        expect(await store.readCheckpoint(aName('p'))).toBeNull();
      });

      it('refuses a collection that another projection writes', async () => {
        await store.apply(collection, 'a', { streamId: 's-1', revision: 0 }, () => ({ n: 1 }), at(1));
        await expect(
          store.apply(collection, 'b', { streamId: 's-1', revision: 1 }, () => ({ n: 2 }), { projection: aName('p'), position: 2 }),
        ).rejects.toBeInstanceOf(InvalidReadModelWrite);
      });

      describe('a projection over a SQLite event store', () => {
        let path: string;
        let category: string;
        let events: SqliteEventStore;
        const running: EventProcessor[] = [];

        beforeEach(() => {
          path = join(tmpdir(), `vgp-read-model-${randomUUID()}.sqlite`);
          category = aName('tally');
          events = new SqliteEventStore({ path, pollIntervalMs: 20 });
        });
        afterEach(async () => {
          await Promise.all(running.splice(0).map((s) => s.stop()));
          await events.close();
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        });

        /** Two collections, so one event makes two writes: per key, and one running total. */
        const tallyProjection = (byKey: string, total: string): ProjectionDefinition => ({
          name: projection,
          categories: [category],
          handlers: [
            projectionHandler<Tally, Counted>({
              collection: byKey,
              canHandle: ['Counted'],
              keyOf: (e) => e.data.key,
              evolve: (doc, e) => tallied(doc, e.data.key, e.position),
            }),
            projectionHandler<Tally, Counted>({
              collection: total,
              canHandle: ['Counted'],
              keyOf: () => 'total',
              evolve: (doc, e) => tallied(doc, 'total', e.position),
            }),
          ],
        });
        const append = async (key: string, count = 1) => {
          for (let i = 0; i < count; i++) await events.append(`${category}-${key}`, [aNewEvent({ type: 'Counted', data: { key } })], 'any');
        };
        const start = async (projectionDefinition: ProjectionDefinition, readModels: ReadModelStore, fromPosition?: number) => {
          const processor = readModelProjection(projectionDefinition, { eventStore: events, readModels, fromPosition, onFailure: 'stop' });
          running.push(processor);
          // Not awaited: a crashing store never lets it catch up.
          processor.start().catch(() => undefined);
          return processor;
        };
        const stopAll = () => Promise.all(running.splice(0).map((s) => s.stop()));

        it('resumes after a crash between two writes of one event without applying anything twice', async () => {
          const [byKey, total] = [aName('k'), aName('t')];
          const definition = tallyProjection(byKey, total);
          await append('a', 2);
          await append('b', 1);
          // The process dies after 3 writes: event 1 fully, event 2 only in `byKey`.
          const crashing = crashAfter(store, 3);
          await start(definition, crashing.store);
          await crashing.crashed;
          await stopAll();
          expect(await store.get<Tally>(total, 'total')).toMatchObject({ count: 1 });
          expect(await store.get<Tally>(byKey, 'a')).toMatchObject({ count: 2 });
          expect(await store.readCheckpoint(projection)).toBe(1);

          // A new process: a new event store on the same file, the store reopened, an event appended meanwhile.
          await events.close();
          events = new SqliteEventStore({ path, pollIntervalMs: 20 });
          await append('b', 1);
          const reopened = fixture.reopen ? await fixture.reopen() : store;
          const resumed = await start(definition, reopened);
          await resumed.caughtUp();
          expect(await reopened.get(total, 'total')).toEqual({ key: 'total', count: 4, seen: [1, 2, 3, 4] });
          expect(await reopened.get(byKey, 'a')).toEqual({ key: 'a', count: 2, seen: [1, 2] });
          expect(await reopened.get(byKey, 'b')).toEqual({ key: 'b', count: 2, seen: [3, 4] });
          expect(await reopened.readCheckpoint(projection)).toBe(4);
        });

        it('replays the whole history as a no-op and then follows new events', async () => {
          const [byKey, total] = [aName('k'), aName('t')];
          const definition = tallyProjection(byKey, total);
          await append('a', 3);
          await (await start(definition, store)).caughtUp();
          await stopAll();
          // As if the checkpoint were lost: from the very beginning again.
          const again = await start(definition, store, 0);
          await again.caughtUp();
          expect(await store.get(total, 'total')).toEqual({ key: 'total', count: 3, seen: [1, 2, 3] });
          await append('b', 2);
          await again.caughtUp();
          await eventually(async () => expect(await store.get<Tally>(total, 'total')).toMatchObject({ count: 5, seen: [1, 2, 3, 4, 5] }));
          expect(await store.find(byKey)).toEqual([
            { key: 'a', count: 3, seen: [1, 2, 3] },
            { key: 'b', count: 2, seen: [4, 5] },
          ]);
        });
      });
    });

    describe('unique indexes', () => {
      const byEmail = { name: 'by_email', fields: ['email'], unique: true };

      it('refuses a second live document with the same values, as a typed error, and writes nothing', async () => {
        await store.ensureIndexes(collection, [byEmail]);
        await store.apply(collection, 'u1', { streamId: 's-1', revision: 0 }, () => ({ email: 'amara@example.test' }), at(1));
        const clash = store.apply(collection, 'u2', { streamId: 's-2', revision: 0 }, () => ({ email: 'amara@example.test' }), at(2));
        await expect(clash).rejects.toBeInstanceOf(UniqueIndexViolation);
        await expect(clash).rejects.toMatchObject({ collection, id: 'u2', index: 'by_email' });
        expect(await store.get(collection, 'u2')).toBeNull();
        expect(await store.readCheckpoint(projection)).toBe(1);
      });

      it('refuses an update that would collide, and keeps the document as it was', async () => {
        await store.ensureIndexes(collection, [byEmail, { name: 'by_clinic', fields: ['clinicId'] }]);
        await store.apply(collection, 'u1', { streamId: 's-1', revision: 0 }, () => ({ email: 'a@example.test', clinicId: 'k' }), at(1));
        await store.apply(collection, 'u2', { streamId: 's-2', revision: 0 }, () => ({ email: 'b@example.test', clinicId: 'k' }), at(2));
        const clash = store.apply(
          collection,
          'u2',
          { streamId: 's-2', revision: 1 },
          (doc) => ({ ...doc, email: 'a@example.test' }),
          at(3),
        );
        await expect(clash).rejects.toMatchObject({ name: 'UniqueIndexViolation', id: 'u2', index: 'by_email' });
        expect(await store.get(collection, 'u2')).toEqual({ email: 'b@example.test', clinicId: 'k' });
      });

      it('frees the values of a deleted document, and ignores documents without the fields', async () => {
        await store.ensureIndexes(collection, [byEmail]);
        await store.apply(collection, 'u1', { streamId: 's-1', revision: 0 }, () => ({ email: 'a@example.test' }), at(1));
        await store.apply(collection, 'u1', { streamId: 's-1', revision: 1 }, () => null, at(2));
        await store.apply(collection, 'u2', { streamId: 's-2', revision: 0 }, () => ({ email: 'a@example.test' }), at(3));
        await store.apply(collection, 'u3', { streamId: 's-3', revision: 0 }, () => ({ name: 'no email' }), at(4));
        await store.apply(collection, 'u4', { streamId: 's-4', revision: 0 }, () => ({ name: 'no email either' }), at(5));
        expect((await store.find(collection)).length).toBe(3);
      });
    });

    describe('rebuild', () => {
      const seed = async (values: Record<string, string>, revision: number, position: number, target: ReadModelStore = store) => {
        for (const [id, value] of Object.entries(values)) {
          await target.apply(collection, id, { streamId: `s-${id}`, revision }, () => ({ id, value }), { projection, position });
        }
      };

      it('builds a fresh generation while the old one serves reads, then switches over and drops the old one', async () => {
        await store.ensureIndexes(collection, [{ name: 'by_value', fields: ['value'], unique: true }]);
        await seed({ a: 'old-a', b: 'old-b' }, 0, 2);
        const result = await store.rebuild(projection, [collection], async (target) => {
          expect(await target.readCheckpoint(projection)).toBeNull();
          expect(await target.find(collection)).toEqual([]);
          await seed({ a: 'new-a', c: 'new-c' }, 0, 7, target);
          // Until the switch, readers see the old generation.
          expect(await store.find(collection)).toEqual([
            { id: 'a', value: 'old-a' },
            { id: 'b', value: 'old-b' },
          ]);
          const names = await fixture.collectionNames();
          expect(names).toContain(collection);
          expect(names.filter((n) => n.startsWith(`${collection}__rebuild_`))).toHaveLength(1);
        });
        expect(result).toMatchObject({ projection, previousGeneration: '' });
        expect(await store.find(collection)).toEqual([
          { id: 'a', value: 'new-a' },
          { id: 'c', value: 'new-c' },
        ]);
        expect(await store.readCheckpoint(projection)).toBe(7);
        expect((await fixture.collectionNames()).filter((n) => n.startsWith(collection))).toEqual([
          `${collection}__rebuild_${result.generation}`,
        ]);
        // The new generation has the declared indexes, and live writes go to it.
        await expect(seed({ d: 'new-a' }, 0, 8)).rejects.toBeInstanceOf(UniqueIndexViolation);
        await seed({ e: 'new-e' }, 0, 9);
        expect(await store.findOne(collection, { value: 'new-e' })).toEqual({ id: 'e', value: 'new-e' });

        const next = await store.rebuild(projection, [collection], (target) => seed({ z: 'z' }, 0, 1, target));
        expect(next.previousGeneration).toBe(result.generation);
        expect((await fixture.collectionNames()).filter((n) => n.startsWith(collection))).toEqual([
          `${collection}__rebuild_${next.generation}`,
        ]);
        expect(await store.find(collection)).toEqual([{ id: 'z', value: 'z' }]);
        expect(await store.readCheckpoint(projection)).toBe(1);
      });

      it('switches nothing and leaves nothing behind when the build fails', async () => {
        await seed({ a: 'old-a' }, 0, 2);
        const failing = store.rebuild(projection, [collection], async (target) => {
          await seed({ a: 'new-a' }, 0, 3, target);
          throw new Error('the event store went away');
        });
        await expect(failing).rejects.toThrow('the event store went away');
        expect(await store.find(collection)).toEqual([{ id: 'a', value: 'old-a' }]);
        expect(await store.readCheckpoint(projection)).toBe(2);
        expect((await fixture.collectionNames()).filter((n) => n.startsWith(collection))).toEqual([collection]);
      });

      it('confines a rebuild to its own collections', async () => {
        await expect(
          store.rebuild(projection, [collection], (target) =>
            seed({ a: 'x' }, 0, 1, target).then(() => target.find(aName('c')).then(() => undefined)),
          ),
        ).rejects.toBeInstanceOf(InvalidReadModelWrite);
      });
    });

    describe('queries', () => {
      beforeEach(async () => {
        await store.ensureIndexes(collection, [
          { name: 'by_clinic', fields: ['clinicId'] },
          { name: 'by_patient_status', fields: ['patientId', 'status'] },
          { name: 'by_duration', fields: ['durationMinutes', 'urgent'] },
          { name: 'by_tag', fields: ['tags'], array: 'tags' },
        ]);
        const docs: Record<string, ReadModelDocument> = {
          c3: { clinicId: 'k1', patientId: 'p1', status: 'booked', tags: ['video'] },
          c1: { clinicId: 'k1', patientId: 'p2', status: 'cancelled', tags: ['audio', 'video'] },
          c2: { clinicId: 'k1', patientId: 'p1', status: 'completed', note: null },
          c4: { clinicId: 'k2', patientId: 'p1', status: 'booked', durationMinutes: 15, urgent: true },
          c5: { clinicId: 'k1', patientId: 'p3', status: 'booked' },
        };
        let position = 0;
        for (const [id, doc] of Object.entries(docs)) {
          await store.apply(collection, id, { streamId: `consultation-${id}`, revision: 0 }, () => doc, at(++position));
        }
        await store.apply(collection, 'c5', { streamId: 'consultation-c5', revision: 1 }, () => null, at(position + 1));
      });
      const ids = (docs: ReadModelDocument[]) => docs.map((d) => `${d.clinicId}/${d.patientId}/${d.status}`);

      it('finds live documents equal on every given field, ordered by id', async () => {
        expect(ids(await store.find(collection, { clinicId: 'k1' }))).toEqual(['k1/p2/cancelled', 'k1/p1/completed', 'k1/p1/booked']);
        expect(ids(await store.find(collection, { patientId: 'p1', status: 'booked' }))).toEqual(['k1/p1/booked', 'k2/p1/booked']);
        expect(ids(await store.find(collection, { durationMinutes: 15, urgent: true }))).toEqual(['k2/p1/booked']);
        expect(await store.find(collection, { patientId: 'p3' })).toEqual([]);
        expect(await store.find(collection, { clinicId: 'k1' }, { limit: 2 })).toHaveLength(2);
        expect(await store.find(aName('c'))).toEqual([]);
      });

      it('matches null to a missing field, and a value to an array holding it', async () => {
        expect(ids(await store.find(collection, { note: null, clinicId: 'k1' }))).toEqual([
          'k1/p2/cancelled',
          'k1/p1/completed',
          'k1/p1/booked',
        ]);
        expect(ids(await store.find(collection, { tags: 'video' }))).toEqual(['k1/p2/cancelled', 'k1/p1/booked']);
      });

      it('answers one document or null', async () => {
        expect(await store.findOne(collection, { clinicId: 'k2' })).toEqual({
          clinicId: 'k2',
          patientId: 'p1',
          status: 'booked',
          durationMinutes: 15,
          urgent: true,
        });
        expect(await store.findOne(collection, { clinicId: 'k9' })).toBeNull();
        expect(await store.get(collection, 'c5')).toBeNull();
      });

      it('refuses operators smuggled in as values, and the fields the store keeps for itself', async () => {
        const smuggled = { patientId: { $ne: 'p1' } } as unknown as Record<string, string>;
        await expect(store.find(collection, smuggled)).rejects.toBeInstanceOf(InvalidReadModelWrite);
        await expect(store.find(collection, { _deleted: true })).rejects.toBeInstanceOf(InvalidReadModelWrite);
        await expect(store.apply(collection, 'x', { streamId: 's', revision: 0 }, () => ({ _rev: {} }), at(9))).rejects.toBeInstanceOf(
          InvalidReadModelWrite,
        );
        await expect(
          store.apply(collection, 'x', { streamId: 's', revision: 0 }, () => ({ a: { 'b.c': 1 } }), at(9)),
        ).rejects.toBeInstanceOf(InvalidReadModelWrite);
      });
    });

    describe('indexed queries', () => {
      type Entry = ReadModelDocument & { clinicId: string; patientIds: string[]; at?: string; seq: number | string; action: string };
      const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString();
      const indexes: IndexSpec[] = [
        { name: 'by_clinic_at', fields: ['clinicId', 'at'] },
        { name: 'by_patient_at', fields: ['patientIds', 'at'], array: 'patientIds' },
        { name: 'by_seq', fields: ['seq'] },
      ];
      // e01..e12: two entries per minute (ties on `at`), every third in clinic k2, the even ones also name p2.
      const entries: Record<string, Entry> = Object.fromEntries(
        Array.from({ length: 12 }, (_, n) => {
          const i = n + 1;
          const patientIds = i === 5 ? ['p2', 'p2'] : i % 2 ? ['p1'] : ['p1', 'p2'];
          return [
            `e${String(i).padStart(2, '0')}`,
            { clinicId: i % 3 ? 'k1' : 'k2', patientIds, at: t(Math.ceil(i / 2)), seq: i * 10, action: 'viewed' },
          ];
        }),
      );
      // No `at`, and a `seq` that is not a number: left out of time order and of numeric ranges.
      const odd: Entry = { clinicId: 'k1', patientIds: [], seq: 'x', action: 'viewed' };
      let position = 0;
      const revisions = new Map<string, number>();
      const put = (id: string, doc: Entry | null) => {
        const revision = (revisions.get(id) ?? -1) + 1;
        revisions.set(id, revision);
        return store.apply(collection, id, { streamId: `entry-${id}`, revision }, () => doc, at(++position));
      };
      const idsOf = (page: { items: ReadModelDocument[] }) => page.items.map((item) => String(item.id));
      const expected = (keep: (e: Entry) => boolean, order: 'asc' | 'desc' = 'asc') => {
        const sorted = Object.entries(entries)
          .filter(([, e]) => keep(e))
          .sort(([a, x], [b, y]) => (x.at ?? '').localeCompare(y.at ?? '') || a.localeCompare(b))
          .map(([id]) => id);
        return order === 'asc' ? sorted : sorted.reverse();
      };

      beforeEach(async () => {
        await store.ensureIndexes(collection, indexes);
        for (const [id, entry] of Object.entries(entries)) await put(id, { ...entry, id });
        await put('x1', { ...odd, id: 'x1' });
      });

      it('answers equality and a range on ISO timestamps, in time order, ties by id', async () => {
        const page = await store.query(collection, { where: { clinicId: 'k1', at: { gte: t(2), lt: t(5) } } });
        expect(idsOf(page)).toEqual(expected((e) => e.clinicId === 'k1' && (e.at ?? '') >= t(2) && (e.at ?? '') < t(5)));
        expect(idsOf(page)).toEqual(['e04', 'e05', 'e07', 'e08']);
        expect(page.next).toBeNull();
      });

      it('answers ranges on numbers, which never match strings, in either direction', async () => {
        expect(idsOf(await store.query(collection, { where: { seq: { gt: 30, lte: 70 } } }))).toEqual(['e04', 'e05', 'e06', 'e07']);
        expect(idsOf(await store.query(collection, { where: { seq: { gte: 0 } } }))).toHaveLength(12);
        const down = await store.query(collection, { where: { seq: { lt: 50 } }, sort: { field: 'seq', direction: 'desc' } });
        expect(idsOf(down)).toEqual(['e04', 'e03', 'e02', 'e01']);
      });

      it('finds documents by a value their array holds, each document once', async () => {
        const p2 = expected((e) => e.patientIds.includes('p2'));
        expect(idsOf(await store.query(collection, { where: { patientIds: { contains: 'p2' } } }))).toEqual([...p2].sort());
        expect((await store.find(collection, { patientIds: 'p2' })).map((d) => d.id)).toEqual([...p2].sort());
        const recent = await store.query(collection, {
          where: { patientIds: { contains: 'p2' }, at: { gte: t(3) } },
          sort: { field: 'at', direction: 'desc' },
        });
        expect(idsOf(recent)).toEqual(expected((e) => e.patientIds.includes('p2') && (e.at ?? '') >= t(3), 'desc'));
      });

      it('sorts on an indexed field both ways, ties by id, leaving out documents without the field', async () => {
        const k1 = expected((e) => e.clinicId === 'k1');
        expect(idsOf(await store.query(collection, { where: { clinicId: 'k1' }, sort: { field: 'at' } }))).toEqual(k1);
        const down = await store.query(collection, { where: { clinicId: 'k1' }, sort: { field: 'at', direction: 'desc' } });
        expect(idsOf(down)).toEqual([...k1].reverse());
        expect(idsOf(down)).not.toContain('x1');
      });

      it('stops at the limit and says whether more follow', async () => {
        const first = await store.query(collection, { where: { clinicId: 'k1' }, sort: { field: 'at' }, limit: 3 });
        expect(idsOf(first)).toEqual(['e01', 'e02', 'e04']);
        expect(first.next).toEqual(expect.any(String));
        expect((await store.query(collection, { where: { clinicId: 'k2' }, sort: { field: 'at' }, limit: 4 })).next).toBeNull();
        expect((await store.query(collection, { where: { clinicId: 'k2' }, sort: { field: 'at' }, limit: 5 })).next).toBeNull();
        expect(await store.find(collection, { clinicId: 'k1' }, { limit: 2 })).toHaveLength(2);
      });

      for (const direction of ['asc', 'desc'] as const) {
        it(`walks every page once (${direction}), with writes between pages: no duplicates, no gaps`, async () => {
          const query = { where: { clinicId: 'k1' }, sort: { field: 'at', direction }, limit: 2 } satisfies ReadModelQuery;
          const seen: string[] = [];
          let page = await store.query(collection, query);
          seen.push(...idsOf(page));
          const [last] = seen.slice(-1);
          const lastAt = entries[last].at as string;
          // Behind the cursor: never shown. Ahead of it: shown once. Deleted ahead of it: not shown.
          const behind = direction === 'asc' ? t(0) : t(59);
          const ahead = direction === 'asc' ? t(59) : t(0);
          const writes: Record<string, Entry | null> = {
            n1: { clinicId: 'k1', patientIds: [], at: behind, seq: 1, action: 'viewed', id: 'n1' },
            n2: { clinicId: 'k1', patientIds: [], at: ahead, seq: 2, action: 'viewed', id: 'n2' },
            // The same time as the last one shown: the id decides which side of the cursor it lands.
            [direction === 'asc' ? 'e00' : 'e99']: { clinicId: 'k1', patientIds: [], at: lastAt, seq: 3, action: 'viewed' },
            [direction === 'asc' ? 'e99' : 'e00']: { clinicId: 'k1', patientIds: [], at: lastAt, seq: 4, action: 'viewed' },
          };
          for (const [id, doc] of Object.entries(writes)) await put(id, doc && { ...doc, id });
          const unseen = expected((e) => e.clinicId === 'k1', direction).filter((id) => !seen.includes(id));
          await put(unseen[1], null);
          let pages = 1;
          while (page.next) {
            page = await store.query(collection, { ...query, after: page.next });
            seen.push(...idsOf(page));
            expect(page.items.length).toBeLessThanOrEqual(2);
            if (++pages === 10) await put('n3', { clinicId: 'k1', patientIds: [], at: ahead, seq: 5, action: 'viewed', id: 'n3' });
            expect(pages).toBeLessThan(20);
          }
          expect(new Set(seen).size).toBe(seen.length);
          const all = idsOf(await store.query(collection, { where: { clinicId: 'k1' }, sort: { field: 'at', direction } }));
          expect(seen).toEqual(all.filter((id) => id !== 'n1' && id !== (direction === 'asc' ? 'e00' : 'e99') && id !== 'n3'));
          expect(seen).toContain('n2');
          expect(seen).toContain(direction === 'asc' ? 'e99' : 'e00');
          expect(seen).not.toContain(unseen[1]);
        });
      }

      it('pages by id when nothing else orders the documents', async () => {
        const walk: string[] = [];
        let after: string | null = null;
        do {
          const page: { items: ReadModelDocument[]; next: string | null } = await store.query(collection, {
            where: { patientIds: { contains: 'p1' } },
            limit: 4,
            after,
          });
          walk.push(...idsOf(page));
          after = page.next;
        } while (after);
        expect(walk).toEqual(expected((e) => e.patientIds.includes('p1')).sort());
      });

      it('refuses a query that no declared index serves, and malformed queries', async () => {
        const unindexed: ReadModelQuery[] = [
          { where: { action: 'viewed' } },
          { where: { at: { gte: t(1) } } },
          { where: { clinicId: 'k1' }, sort: { field: 'action' } },
          { where: { clinicId: { contains: 'k1' } } },
          { where: { patientIds: { contains: 'p1' } }, sort: { field: 'patientIds' } },
          { index: 'by_seq', where: { clinicId: 'k1' } },
          { index: 'no_such_index', where: { clinicId: 'k1' } },
          {},
        ];
        for (const query of unindexed) await expect(store.query(collection, query)).rejects.toBeInstanceOf(UnindexedQuery);
        await expect(store.find(collection, { action: 'viewed' })).rejects.toBeInstanceOf(UnindexedQuery);
        await expect(store.query(aName('c'), { where: { clinicId: 'k1' } })).rejects.toBeInstanceOf(UnindexedQuery);

        const bySeq = await store.query(collection, { where: { seq: { gte: 0 } }, limit: 1 });
        const malformed: ReadModelQuery[] = [
          { where: { clinicId: 'k1', at: { gte: t(1) }, seq: { gt: 1 } } },
          { where: { seq: { gt: 1, lt: '9' } } },
          { where: { seq: { near: 1 } as never } },
          { where: { clinicId: 'k1' }, after: 'not-a-cursor' },
          { where: { clinicId: 'k1' }, after: bySeq.next },
          { where: { clinicId: 'k1' }, limit: 0 },
          { where: { _deleted: false } },
        ];
        for (const query of malformed) await expect(store.query(collection, query)).rejects.toBeInstanceOf(InvalidReadModelQuery);
      });

      it('plans queries in a store opened later on the same data, from the declarations already stored', async () => {
        const reopened = fixture.reopen ? await fixture.reopen() : store;
        expect(idsOf(await reopened.query(collection, { where: { clinicId: 'k2' }, sort: { field: 'at' } }))).toEqual([
          'e03',
          'e06',
          'e09',
          'e12',
        ]);
      });

      if (options.explains) {
        it('runs every query shape through its index, never a scan of the documents', async () => {
          const cursor = (await store.query(collection, { where: { clinicId: 'k1' }, sort: { field: 'at', direction: 'desc' }, limit: 2 }))
            .next;
          const p2 = { patientIds: { contains: 'p2' }, at: { gte: t(3) } };
          const p2Cursor = (await store.query(collection, { where: p2, sort: { field: 'at', direction: 'desc' }, limit: 2 })).next;
          const shapes: [string, ReadModelQuery][] = [
            ['by_clinic_at', { where: { clinicId: 'k1' } }],
            ['by_clinic_at', { where: { clinicId: 'k1', at: { gte: t(2), lt: t(5) } }, limit: 10 }],
            ['by_clinic_at', { where: { clinicId: 'k1' }, sort: { field: 'at', direction: 'desc' }, limit: 2, after: cursor }],
            ['by_clinic_at', { where: { clinicId: 'k1', action: 'viewed' } }],
            ['by_patient_at', { where: { patientIds: { contains: 'p2' } } }],
            ['by_patient_at', { where: p2, sort: { field: 'at', direction: 'desc' }, limit: 2, after: p2Cursor }],
            ['by_seq', { where: { seq: { gt: 30, lte: 70 } } }],
            ['by_seq', { sort: { field: 'seq' }, limit: 5 }],
          ];
          const explain = fixture.explain;
          if (!explain) throw new Error(`${name}: a contract run with explains needs the fixture's explain()`);
          for (const [index, query] of shapes) {
            const explained = await explain(collection, query);
            expect({ query, index: explained.index }).toEqual({ query, index });
            if (explained.scans !== null) expect({ query, plan: explained.plan, scans: explained.scans }).toMatchObject({ scans: false });
          }
        });
      }
    });
  });
}

/** A store that lets `writes` applies through, then fails every apply, as a process that died would. */
function crashAfter(store: ReadModelStore, writes: number): { store: ReadModelStore; crashed: Promise<void> } {
  let left = writes;
  let signal: () => void = () => undefined;
  const crashed = new Promise<void>((resolve) => (signal = resolve));
  const crashing: ReadModelStore = {
    ensureIndexes: (c, i) => store.ensureIndexes(c, i),
    apply: async (c, id, guard, update, checkpoint) => {
      if (left-- <= 0) {
        signal();
        throw new Error('process crashed');
      }
      return store.apply(c, id, guard, update, checkpoint);
    },
    get: (c, id) => store.get(c, id),
    findOne: (c, f) => store.findOne(c, f),
    find: (c, f, o) => store.find(c, f, o),
    query: (c, q) => store.query(c, q),
    readCheckpoint: (p) => store.readCheckpoint(p),
    rebuild: (p, c, run) => store.rebuild(p, c, run),
    close: async () => undefined,
  };
  return { store: crashing, crashed };
}
