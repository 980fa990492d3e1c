import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventProcessor, SqliteEventStore } from '@vgp/event-store';
import {
  type ApplyOutcome,
  InvalidReadModelWrite,
  type ProjectionDefinition,
  projectionHandler,
  type ReadModelDocument,
  type ReadModelStore,
  readModelProjection,
  UniqueIndexViolation,
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
export function describeReadModelStoreContract(name: string, factory: () => Promise<ReadModelStoreFixture>): void {
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
    readCheckpoint: (p) => store.readCheckpoint(p),
    rebuild: (p, c, run) => store.rebuild(p, c, run),
    close: async () => undefined,
  };
  return { store: crashing, crashed };
}
