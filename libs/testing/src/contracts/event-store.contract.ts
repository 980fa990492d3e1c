import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type EventMetadata } from '@vgp/contracts';
import {
  DuplicateEventId,
  type EventStore,
  type NewEvent,
  type StoredEvent,
  type Subscription,
  WrongExpectedRevision,
} from '@vgp/event-store';
import { eventually } from '../eventually.js';

export type EventStoreFixture = {
  store: EventStore;
  cleanup(): Promise<void>;
  /** Raw access to the adapter's storage, for adapter-specific tests; the contract itself never tampers. */
  tamper?: (sql: string) => void;
};

const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  correlationId: 'corr-1',
  causationId: null,
  actor: { id: 'dr-okafor', role: 'clinician' },
  softwareVersion: '1.4.2',
  featureFlags: ['media-switch'],
  ...overrides,
});

/** A new event with a fresh id; tests name only what matters to them. */
export const aNewEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'NoteTaken',
  data: { n: 0 },
  metadata: metadata(),
  ...overrides,
});

/** A stream id of `category` that no other test uses. */
const aStream = (category = 'note') => `${category}-${randomUUID()}`;

/** A category no other test uses, so readAll and subscriptions see only this test's events. */
const aCategory = () => `cat${randomUUID().replaceAll('-', '')}`;

/**
 * The behaviour every event store adapter must have. Tests use fresh stream ids and categories,
 * so an adapter may share one server between them.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`${name} (event store contract)`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    const subscriptions: Subscription[] = [];
    const track = (subscription: Subscription) => (subscriptions.push(subscription), subscription);

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await fixture.cleanup();
    });

    describe('optimistic concurrency', () => {
      it('starts a stream only when it is expected not to exist', async () => {
        const stream = aStream();
        await expect(store.append(stream, [aNewEvent()], 'no_stream')).resolves.toMatchObject({ nextExpectedRevision: 0 });
        const again = store.append(stream, [aNewEvent()], 'no_stream');
        await expect(again).rejects.toBeInstanceOf(WrongExpectedRevision);
        await expect(again).rejects.toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0 });
      });

      it('appends to an existing stream only when it is expected to exist', async () => {
        const stream = aStream();
        await expect(store.append(stream, [aNewEvent()], 'stream_exists')).rejects.toMatchObject({
          name: 'WrongExpectedRevision',
          actual: 'no_stream',
        });
        await store.append(stream, [aNewEvent()], 'no_stream');
        await expect(store.append(stream, [aNewEvent()], 'stream_exists')).resolves.toMatchObject({ nextExpectedRevision: 1 });
      });

      it('refuses a write decided on a stale revision', async () => {
        const stream = aStream();
        const first = await store.append(stream, [aNewEvent(), aNewEvent()], 'no_stream');
        expect(first.nextExpectedRevision).toBe(1);
        await store.append(stream, [aNewEvent()], 1);
        await expect(store.append(stream, [aNewEvent()], 1)).rejects.toMatchObject({ name: 'WrongExpectedRevision', actual: 2 });
        await expect(store.append(stream, [aNewEvent()], 2)).resolves.toMatchObject({ nextExpectedRevision: 3 });
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('lets exactly one of several concurrent writers on the same revision win', async () => {
        const stream = aStream();
        await store.append(stream, [aNewEvent()], 'no_stream');
        const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => store.append(stream, [aNewEvent()], 0)));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
          expect(o.reason).toBeInstanceOf(WrongExpectedRevision);
        }
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1]);
      });

      it("appends whatever the stream's state with 'any'", async () => {
        const stream = aStream();
        await store.append(stream, [aNewEvent()], 'any');
        await expect(store.append(stream, [aNewEvent()], 'any')).resolves.toMatchObject({ nextExpectedRevision: 1 });
      });
    });

    describe('idempotent append by event id', () => {
      it('stores a retried append once and answers as the first time', async () => {
        const stream = aStream();
        const batch = [aNewEvent({ data: { a: 1, b: [1, 2] } }), aNewEvent()];
        const first = await store.append(stream, batch, 'no_stream');
        // The retry still carries the revision it was decided on, which is now stale.
        const retry = await store.append(
          stream,
          batch.map((e) => ({ ...e, data: reorderKeys(e.data) })),
          'no_stream',
        );
        expect(retry).toEqual(first);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('refuses an id already stored in another stream', async () => {
        const event = aNewEvent();
        await store.append(aStream(), [event], 'any');
        await expect(store.append(aStream(), [event], 'any')).rejects.toBeInstanceOf(DuplicateEventId);
      });

      it('refuses an id already stored with other data or another type', async () => {
        const stream = aStream();
        const event = aNewEvent({ data: { n: 1 } });
        await store.append(stream, [event], 'any');
        await expect(store.append(stream, [{ ...event, data: { n: 2 } }], 'any')).rejects.toMatchObject({
          name: 'DuplicateEventId',
          eventId: event.id,
        });
        await expect(store.append(stream, [{ ...event, type: 'Other' }], 'any')).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('refuses a batch that holds the same id twice, and writes none of it', async () => {
        const stream = aStream();
        const event = aNewEvent();
        await expect(store.append(stream, [aNewEvent(), event, event], 'any')).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('ordering and reading', () => {
      it('gives every event a strictly increasing global position and each stream contiguous revisions', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 12 }),
            async (plan) => {
              const category = aCategory();
              const streams = [0, 1, 2, 3].map(() => `${category}-${randomUUID()}`);
              for (const [stream, size] of plan) {
                await store.append(
                  streams[stream],
                  Array.from({ length: size }, () => aNewEvent()),
                  'any',
                );
              }
              const all = await store.readAll({ categories: [category] });
              expect(all).toHaveLength(plan.reduce((sum, [, size]) => sum + size, 0));
              all.forEach((e, i) => i > 0 && expect(e.position).toBeGreaterThan(all[i - 1].position));
              for (const stream of streams) {
                const revisions = all.filter((e) => e.streamId === stream).map((e) => e.revision);
                expect(revisions).toEqual(revisions.map((_, i) => i));
              }
            },
          ),
          { numRuns: 15 },
        );
      });

      it('reads a stream from a revision, and a missing stream as empty', async () => {
        const stream = aStream();
        await store.append(
          stream,
          [0, 1, 2, 3].map((n) => aNewEvent({ data: { n } })),
          'no_stream',
        );
        expect((await store.readStream(stream, 2)).map((e) => e.data)).toEqual([{ n: 2 }, { n: 3 }]);
        expect(await store.readStream(aStream())).toEqual([]);
      });

      it('reads all events after a position, of the asked categories, up to a limit', async () => {
        const [notes, calls, other] = [aCategory(), aCategory(), aCategory()];
        await store.append(`${notes}-1`, [aNewEvent({ data: { n: 1 } })], 'any');
        await store.append(`${other}-1`, [aNewEvent({ data: { n: 2 } })], 'any');
        await store.append(`${calls}-1`, [aNewEvent({ data: { n: 3 } }), aNewEvent({ data: { n: 4 } })], 'any');
        await store.append(`${notes}-2`, [aNewEvent({ data: { n: 5 } })], 'any');

        const mine = await store.readAll({ categories: [notes, calls] });
        expect(mine.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }, { n: 5 }]);
        const after = await store.readAll({ categories: [notes, calls], fromPosition: mine[1].position });
        expect(after.map((e) => e.data)).toEqual([{ n: 4 }, { n: 5 }]);
        const limited = await store.readAll({ categories: [notes, calls], fromPosition: mine[0].position, limit: 2 });
        expect(limited.map((e) => e.data)).toEqual([{ n: 3 }, { n: 4 }]);
        const everything = await store.readAll({ fromPosition: mine[0].position - 1 });
        expect(everything.map((e) => e.data).slice(0, 5)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      });

      it('round-trips every field of the envelope', async () => {
        const stream = aStream();
        const event = aNewEvent({
          type: 'ContractRoundTrip',
          schemaVersion: 1,
          occurredAt: '2026-03-04T05:06:07.089Z',
          data: { recordingId: 'r-1', ranges: [[0, 99]], nested: { ok: true, none: null } },
          metadata: metadata({
            correlationId: 'corr-rt',
            causationId: 'cause-rt',
            actor: { id: 'patient-amira', role: 'patient' },
            softwareVersion: '2.0.0-rc.1',
            featureFlags: ['a', 'b'],
          }),
        });
        const { position } = await store.append(stream, [event], 'no_stream');
        const expected: StoredEvent = {
          id: event.id,
          type: 'ContractRoundTrip',
          schemaVersion: 1,
          streamId: stream,
          revision: 0,
          position,
          occurredAt: '2026-03-04T05:06:07.089Z',
          correlationId: 'corr-rt',
          causationId: 'cause-rt',
          actor: { id: 'patient-amira', role: 'patient' },
          softwareVersion: '2.0.0-rc.1',
          featureFlags: ['a', 'b'],
          data: { recordingId: 'r-1', ranges: [[0, 99]], nested: { ok: true, none: null } },
        };
        expect(await store.readStream(stream)).toEqual([expected]);
        expect(await store.readAll({ fromPosition: position - 1, limit: 1 })).toEqual([expected]);
      });

      it('stamps an event without a time with the store clock, as an ISO instant', async () => {
        const stream = aStream();
        await store.append(stream, [{ ...aNewEvent(), occurredAt: undefined }], 'any');
        const [event] = await store.readStream(stream);
        expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
        expect(event.schemaVersion).toBe(1);
      });
    });

    describe('subscriptions', () => {
      const recorder = () => {
        const seen: StoredEvent[] = [];
        return { seen, handler: async (e: StoredEvent) => void seen.push(e), ns: () => seen.map((e) => (e.data as { n: number }).n) };
      };
      const appendNumbered = async (category: string, ns: number[]) => {
        for (const n of ns) await store.append(`${category}-${n % 2}`, [aNewEvent({ data: { n } })], 'any');
      };

      it('delivers past events, then live ones, in order, and knows when it has caught up', async () => {
        const category = aCategory();
        await appendNumbered(category, [1, 2, 3]);
        const r = recorder();
        const subscription = track(store.subscribe({ fromPosition: 0, categories: [category] }, r.handler));
        await subscription.caughtUp();
        expect(r.ns()).toEqual([1, 2, 3]);
        await appendNumbered(category, [4, 5]);
        await subscription.caughtUp();
        expect(r.ns()).toEqual([1, 2, 3, 4, 5]);
        const positions = r.seen.map((e) => e.position);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      });

      it('delivers live events without being asked to catch up', async () => {
        const category = aCategory();
        const r = recorder();
        track(store.subscribe({ categories: [category] }, r.handler));
        await appendNumbered(category, [1, 2]);
        await eventually(() => expect(r.ns()).toEqual([1, 2]), 5_000);
      });

      it('starts after the given position', async () => {
        const category = aCategory();
        await appendNumbered(category, [1, 2]);
        const [, second] = await store.readAll({ categories: [category] });
        const r = recorder();
        const subscription = track(store.subscribe({ fromPosition: second.position - 1, categories: [category] }, r.handler));
        await subscription.caughtUp();
        expect(r.ns()).toEqual([2]);
      });

      it('resumes after its checkpoint when restarted: nothing skipped, nothing handled twice', async () => {
        const category = aCategory();
        const subscriptionId = `sub-${randomUUID()}`;
        await appendNumbered(category, [1, 2]);
        const r = recorder();
        const first = store.subscribe({ subscriptionId, categories: [category] }, r.handler);
        await first.caughtUp();
        await first.stop();
        const [, second] = await store.readAll({ categories: [category] });
        expect(await store.readCheckpoint(subscriptionId)).toBeGreaterThanOrEqual(second.position);

        await appendNumbered(category, [3, 4]);
        const resumed = track(store.subscribe({ subscriptionId, categories: [category] }, r.handler));
        await resumed.caughtUp();
        await appendNumbered(category, [5]);
        await resumed.caughtUp();
        expect(r.ns()).toEqual([1, 2, 3, 4, 5]);
      });

      it('retries a failing handler on the same event and never moves the checkpoint past it', async () => {
        const category = aCategory();
        const subscriptionId = `sub-${randomUUID()}`;
        await appendNumbered(category, [1, 2, 3]);
        const [, second] = await store.readAll({ categories: [category] });
        const attempts: number[] = [];
        let healthy = false;
        const subscription = track(
          store.subscribe({ subscriptionId, categories: [category] }, async (e) => {
            const n = (e.data as { n: number }).n;
            attempts.push(n);
            if (n === 2 && !healthy) throw new Error('projection database down');
          }),
        );
        await eventually(() => expect(attempts.filter((n) => n === 2).length).toBeGreaterThanOrEqual(3), 5_000);
        expect(attempts).not.toContain(3);
        expect(await store.readCheckpoint(subscriptionId)).toBeLessThan(second.position);

        healthy = true;
        await subscription.caughtUp();
        expect(attempts.filter((n) => n !== 2)).toEqual([1, 3]);
        expect(await store.readCheckpoint(subscriptionId)).toBeGreaterThan(second.position);
      });

      it('redelivers an event whose handler failed before the subscription was stopped', async () => {
        const category = aCategory();
        const subscriptionId = `sub-${randomUUID()}`;
        await appendNumbered(category, [1]);
        let failures = 0;
        const failing = store.subscribe({ subscriptionId, categories: [category] }, async () => {
          failures++;
          throw new Error('down');
        });
        await eventually(() => expect(failures).toBeGreaterThan(0), 5_000);
        await failing.stop();

        const r = recorder();
        const resumed = track(store.subscribe({ subscriptionId, categories: [category] }, r.handler));
        await resumed.caughtUp();
        expect(r.ns()).toEqual([1]);
      });

      it('stores and reads checkpoints; an unknown subscription has none', async () => {
        const subscriptionId = `sub-${randomUUID()}`;
        expect(await store.readCheckpoint(subscriptionId)).toBeNull();
        await store.storeCheckpoint(subscriptionId, 7);
        await store.storeCheckpoint(subscriptionId, 9);
        expect(await store.readCheckpoint(subscriptionId)).toBe(9);
      });
    });

    it('reports itself healthy while open', async () => {
      expect(await store.isHealthy()).toBe(true);
    });
  });
}

/** The same data with its keys in reverse order: a retry may rebuild its payload differently. */
const reorderKeys = (data: unknown): unknown =>
  data && typeof data === 'object' && !Array.isArray(data) ? Object.fromEntries(Object.entries(data).reverse()) : data;
