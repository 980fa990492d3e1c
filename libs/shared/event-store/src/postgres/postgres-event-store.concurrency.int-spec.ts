import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { aNewEvent, type PostgresEndpoint, testServices } from '@vgp/testing';
import { type AppendResult, type ExpectedRevision, type StoredEvent, WrongExpectedRevision } from '../event-store.port.js';
import { PostgresEventStore } from './postgres-event-store.adapter.js';
import { migratePostgresEventStore } from './postgres-schema.js';

// Many writers in several "processes" (stores with their own pools) append at once, some to the same streams,
// while a catch-up subscription and a plain paging reader follow the global order. Transactions commit out of
// order under such load; the readers must still see every acknowledged event exactly once, in position order.
// No timing is asserted: loops are bounded by counts, and the only wait is for the work itself.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const WRITERS = 8;
const APPENDS_PER_WRITER = 200;
const STORES = 4; // writers share stores two by two, so concurrent appends also meet in group commits
const SHARED_STREAMS = 3;
const MAX_ATTEMPTS = 500;

const services = testServices();
let endpoint: PostgresEndpoint;
const schema = `es_concurrency_${randomUUID().replaceAll('-', '').slice(0, 10)}`;

const sql = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
};

beforeAll(async () => {
  endpoint = await services.postgres();
  await migratePostgresEventStore({ connectionString: endpoint.ownerUrl, schema, appRole: endpoint.appRole });
});
afterAll(async () => {
  if (endpoint) await sql(endpoint.ownerUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  await services.stop();
});

describe('PostgresEventStore under concurrent writers and readers', () => {
  it('lets every reader see every acknowledged event exactly once, in position order, none skipped', async () => {
    const open = () => new PostgresEventStore({ connectionString: endpoint.appUrl, schema, poolSize: 4, pollIntervalMs: 500 });
    const writerStores = Array.from({ length: STORES }, open);
    const readerStore = open();
    const violations: string[] = [];

    // Reader 1: a live catch-up subscription from the start, checking each event against the one before it.
    const subscribed: StoredEvent[] = [];
    const subscription = readerStore.subscribe({ fromPosition: 0 }, async (event) => {
      const previous = subscribed.at(-1)?.position ?? 0;
      if (event.position <= previous) violations.push(`subscription: position ${event.position} after ${previous}`);
      subscribed.push(event);
    });

    // Reader 2: plain paging through readAll, as a projection rebuild would, until it reaches the final head.
    const paged: StoredEvent[] = [];
    let finalHead: number | null = null;
    let abandoned = false;
    const pager = (async () => {
      for (let round = 0; round < 500_000 && !abandoned; round++) {
        const last = paged.at(-1)?.position ?? 0;
        if (finalHead !== null && last >= finalHead) return;
        const page = await readerStore.readAll({ fromPosition: last, limit: 97 });
        for (const event of page) {
          const previous = paged.at(-1)?.position ?? 0;
          if (event.position <= previous) violations.push(`pager: position ${event.position} after ${previous}`);
          paged.push(event);
        }
        if (page.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      violations.push('pager: did not reach the head within its rounds');
    })();

    // The writers: mostly their own stream (at the revision they know), every fourth append to a shared stream
    // (optimistic concurrency, retried at the revision the refusal reports), and now and then a retry of an
    // append that already succeeded, which must answer as the first time and store nothing.
    const acknowledged = new Map<string, AppendResult>();
    const writer = async (w: number) => {
      const store = writerStores[w % STORES];
      let own: ExpectedRevision = 'no_stream';
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const events = Array.from({ length: 1 + (i % 3) }, (_, k) => aNewEvent({ type: `Wrote${k}`, data: { w, i, k } }));
        let result: AppendResult;
        if (i % 4 === 3) {
          let expected: ExpectedRevision = 'no_stream';
          for (let attempt = 1; ; attempt++) {
            try {
              result = await store.append(`shared-${i % SHARED_STREAMS}`, events, expected);
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevision) || attempt >= MAX_ATTEMPTS) throw error;
              expected = error.actual;
            }
          }
        } else {
          const decidedAt = own;
          result = await store.append(`writer${w}-own`, events, decidedAt);
          own = result.nextExpectedRevision;
          if (i % 50 === 0) expect(await store.append(`writer${w}-own`, events, decidedAt)).toEqual(result);
        }
        events.forEach((event) => acknowledged.set(event.id, result));
      }
    };
    try {
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    } catch (error) {
      abandoned = true;
      await Promise.allSettled([pager, subscription.stop()]);
      await Promise.all([...writerStores, readerStore].map((store) => store.close()));
      throw error;
    }

    const { rows } = await sql(endpoint.appUrl, (c) =>
      c.query<{ events: string; head: string; backwards: string }>(
        `SELECT count(*) AS events, COALESCE(max(position), 0) AS head,
          (SELECT count(*) FROM (SELECT tx < lag(tx) OVER (ORDER BY position) AS backwards FROM ${schema}.events) t
            WHERE backwards) AS backwards
        FROM ${schema}.events`,
      ),
    );
    const [stored, head] = [Number(rows[0].events), Number(rows[0].head)];
    finalHead = head;
    await subscription.caughtUp();
    await pager;
    await subscription.stop();

    const perWriter = Array.from({ length: APPENDS_PER_WRITER }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b);
    expect(acknowledged.size).toBe(WRITERS * perWriter);
    expect(stored).toBe(acknowledged.size);
    expect(violations).toEqual([]);
    for (const [name, seen] of [
      ['subscription', subscribed],
      ['pager', paged],
    ] as const) {
      const ids = seen.map((e) => e.id);
      expect({ name, count: seen.length, distinct: new Set(ids).size }).toEqual({ name, count: stored, distinct: stored });
      expect(ids.filter((id) => !acknowledged.has(id))).toEqual([]);
    }
    // Positions are final when visible: the single writer leaves no hole, and transaction ids grow with them.
    expect(subscribed.map((e) => e.position)).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    expect(head).toBe(stored);
    expect(Number(rows[0].backwards)).toBe(0);
    // Each stream's revisions are contiguous, in position order.
    const byStream = new Map<string, number[]>();
    for (const event of subscribed) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event.revision]);
    for (const [stream, revisions] of byStream) expect({ stream, revisions }).toEqual({ stream, revisions: revisions.map((_, i) => i) });
    expect(byStream.size).toBe(WRITERS + SHARED_STREAMS);

    await Promise.all([...writerStores, readerStore].map((store) => store.close()));
  });
});
