import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { InvalidObjectKey, ObjectNotFound, type ObjectStore, ObjectTooLarge, RangeNotSatisfiable } from '@vgp/object-store';

export type ObjectStoreFixture = { store: ObjectStore; cleanup(): Promise<void> };

/** Keys that try to leave the store's root or smuggle a path in; all must be refused. */
export const TRAVERSAL_KEYS = [
  '../x',
  '/etc/passwd',
  'a/../../b',
  '%2e%2e/x',
  '..',
  '.',
  'a/./b',
  'a//b',
  'a/',
  '',
  '..\\x',
  'a\\..\\..\\b',
  'x\u0000y',
  'C:/x',
  '~/x',
  'a b',
];

/**
 * The behaviour every object store adapter must have. Keys are fresh per test, so an adapter may
 * share one bucket between tests.
 */
export function describeObjectStoreContract(name: string, factory: () => Promise<ObjectStoreFixture>): void {
  describe(`${name} (object store contract)`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;
    const aKey = () => `recordings/${randomUUID()}/segment-1.webm`;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('gives back exactly the bytes it was given, with their sha-256', async () => {
      const key = aKey();
      const content = randomBytes(300_000);
      const stored = await store.put(key, chunked(content, 64 * 1024), { contentType: 'video/webm' });
      const sha256 = createHash('sha256').update(content).digest('hex');
      expect(stored).toEqual({ key, bytes: content.length, sha256, contentType: 'video/webm' });
      expect(await store.head(key)).toEqual(stored);
      expect((await readAll(await store.get(key))).equals(content)).toBe(true);
    });

    it('stores an empty object', async () => {
      const key = aKey();
      await store.put(key, Readable.from([]), { contentType: 'audio/webm' });
      expect(await store.head(key)).toMatchObject({ bytes: 0, sha256: createHash('sha256').digest('hex') });
      expect(await readAll(await store.get(key))).toHaveLength(0);
    });

    it('returns the exact bytes of any inclusive range within the object', async () => {
      const key = aKey();
      const content = randomBytes(4_096);
      await store.put(key, Readable.from([content]), { contentType: 'video/webm' });
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: content.length - 1 }), fc.nat({ max: content.length - 1 }), async (a, b) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          expect((await readAll(await store.get(key, { start, end }))).equals(content.subarray(start, end + 1))).toBe(true);
        }),
        { numRuns: 30 },
      );
    });

    it('refuses a range that does not lie within the object', async () => {
      const key = aKey();
      await store.put(key, Readable.from([Buffer.alloc(100)]), { contentType: 'video/webm' });
      for (const range of [
        { start: 0, end: 100 },
        { start: 100, end: 120 },
        { start: 50, end: 10 },
        { start: -1, end: 10 },
      ]) {
        await expect(store.get(key, range)).rejects.toBeInstanceOf(RangeNotSatisfiable);
      }
      expect(await readAll(await store.get(key, { start: 99, end: 99 }))).toHaveLength(1);
    });

    it('refuses an object past its size limit and keeps nothing of it', async () => {
      const key = aKey();
      await expect(store.put(key, chunked(randomBytes(1_001), 100), { contentType: 'video/webm', maxBytes: 1_000 })).rejects.toBeInstanceOf(
        ObjectTooLarge,
      );
      expect(await store.head(key)).toBeNull();
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFound);
      await expect(
        store.put(key, Readable.from([randomBytes(1_000)]), { contentType: 'video/webm', maxBytes: 1_000 }),
      ).resolves.toMatchObject({ bytes: 1_000 });
    });

    it.each(TRAVERSAL_KEYS)('refuses the key %j for every operation', async (key) => {
      await expect(store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })).rejects.toBeInstanceOf(
        InvalidObjectKey,
      );
      await expect(store.head(key)).rejects.toBeInstanceOf(InvalidObjectKey);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKey);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidObjectKey);
    });

    it('answers ObjectNotFound for a key never stored, and head answers null', async () => {
      const key = aKey();
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFound);
      await expect(store.get(key, { start: 0, end: 0 })).rejects.toBeInstanceOf(ObjectNotFound);
      expect(await store.head(key)).toBeNull();
    });

    it('leaves no object behind when the upload breaks off, and keeps the previous one intact', async () => {
      const key = aKey();
      await expect(store.put(key, failingAfter(Buffer.alloc(10_000, 1)), { contentType: 'video/webm' })).rejects.toThrow(
        /connection reset/,
      );
      expect(await store.head(key)).toBeNull();

      const previous = randomBytes(500);
      await store.put(key, Readable.from([previous]), { contentType: 'video/webm' });
      await expect(store.put(key, failingAfter(Buffer.alloc(10_000, 2)), { contentType: 'video/webm' })).rejects.toThrow(
        /connection reset/,
      );
      expect((await readAll(await store.get(key))).equals(previous)).toBe(true);
    });

    it('shows an object only once its upload is complete', async () => {
      const key = aKey();
      const body = new Readable({ read: () => undefined });
      const putting = store.put(key, body, { contentType: 'video/webm' });
      body.push(Buffer.alloc(1_000, 7));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.head(key)).toBeNull();
      body.push(null);
      await putting;
      expect(await store.head(key)).toMatchObject({ bytes: 1_000 });
    });

    it('deletes an object; deleting a missing one is not an error', async () => {
      const key = aKey();
      await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' });
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFound);
      await expect(store.delete(key)).resolves.toBeUndefined();
    });

    it('reports itself healthy', async () => {
      expect(await store.isHealthy()).toBe(true);
    });
  });
}

const chunked = (content: Buffer, size: number) =>
  Readable.from(Array.from({ length: Math.ceil(content.length / size) }, (_, i) => content.subarray(i * size, (i + 1) * size)));

/** An upload that sends some bytes, then loses its connection. */
const failingAfter = (content: Buffer) =>
  new Readable({
    read() {
      this.push(content);
      setImmediate(() => this.destroy(new Error('connection reset by peer')));
    },
  });

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
