import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describeObjectStoreContract, testServices } from '@vgp/testing';
import { ObjectTooLarge } from '../object-store.port.js';
import { MAX_PRESIGN_TTL_SECONDS, S3ObjectStore } from './s3-object-store.adapter.js';

// Real S3 (versitygw from tools/services/up s3, MinIO under TEST_SERVICES=containers, or external).
// Each run writes under its own key prefix, so runs can share the bucket.
const services = testServices();
const runPrefix = `int-${randomUUID()}/`;
let client: S3Client;
let bucket: string;
let sse: boolean;

beforeAll(async () => {
  const s3 = await services.s3();
  bucket = s3.bucket;
  sse = s3.serverSideEncryption;
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
  });
});
afterAll(async () => {
  client?.destroy();
  await services.stop();
});
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const newStore = (prefix = `${runPrefix}${randomUUID()}/`) =>
  new S3ObjectStore({ bucket, keyPrefix: prefix, client, serverSideEncryption: sse ? 'AES256' : false });

const listUnder = async (prefix: string) =>
  (await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents?.map((o) => o.Key) ?? [];

describeObjectStoreContract('S3ObjectStore', async () => ({ store: newStore(), cleanup: async () => undefined }));

describe('S3ObjectStore on a real S3 server', () => {
  it('streams a multipart upload (several parts) and keeps no staging object or part behind', async () => {
    const prefix = `${runPrefix}${randomUUID()}/`;
    const store = new S3ObjectStore({
      bucket,
      keyPrefix: prefix,
      client,
      serverSideEncryption: sse ? 'AES256' : false,
      partSize: 5 * 1024 * 1024,
    });
    const content = randomBytes(11 * 1024 * 1024);
    const stored = await store.put('recordings/big.webm', Readable.from([content.subarray(0, 6e6), content.subarray(6e6)]), {
      contentType: 'video/webm',
    });
    expect(stored.bytes).toBe(content.length);
    expect(await listUnder(prefix)).toEqual([`${prefix}recordings/big.webm`]);
  });

  it('leaves neither the object nor a staging copy when the size limit is passed mid-stream', async () => {
    const prefix = `${runPrefix}${randomUUID()}/`;
    const store = newStore(prefix);
    const body = Readable.from(Array.from({ length: 20 }, () => randomBytes(512 * 1024)));
    await expect(
      store.put('recordings/too-big.webm', body, { contentType: 'video/webm', maxBytes: 6 * 1024 * 1024 }),
    ).rejects.toBeInstanceOf(ObjectTooLarge);
    expect(await listUnder(prefix)).toEqual([]);
    const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    expect(pending.Uploads ?? []).toEqual([]);
  });

  it('serves a presigned URL until it expires, after which the server itself refuses it', async () => {
    const store = newStore();
    const content = randomBytes(1_000);
    await store.put('recordings/replay.webm', Readable.from([content]), { contentType: 'video/webm' });

    // A URL is checked fresh with a long TTL (a loaded machine may take seconds to fetch), and stale with a short one.
    const url = await store.presignGet('recordings/replay.webm', 60);
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(content)).toBe(true);
    const ranged = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(10, 20))).toBe(true);

    // SigV4 expiry has one-second resolution: past 2 s a 1-second URL is certainly stale.
    const shortLived = await store.presignGet('recordings/replay.webm', 1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const stale = await fetch(shortLived);
    expect(stale.status).toBe(403);
    expect(await stale.text()).not.toContain(content.subarray(0, 16).toString('hex'));
  });

  it('refuses a presigned URL with a tampered key', async () => {
    const store = newStore();
    await store.put('recordings/a.webm', Readable.from([Buffer.from('mine')]), { contentType: 'video/webm' });
    await store.put('recordings/b.webm', Readable.from([Buffer.from('theirs')]), { contentType: 'video/webm' });
    const url = await store.presignGet('recordings/a.webm', 60);
    const tampered = await fetch(url.replace('recordings/a.webm', 'recordings/b.webm'));
    expect(tampered.status).toBe(403);
  });

  it(`signs URLs for at most ${MAX_PRESIGN_TTL_SECONDS} seconds`, async () => {
    const store = newStore();
    await expect(store.presignGet('recordings/a.webm', MAX_PRESIGN_TTL_SECONDS + 1)).rejects.toBeInstanceOf(RangeError);
    await expect(store.presignGet('recordings/a.webm', 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('reports an unreachable server as unhealthy', async () => {
    const store = new S3ObjectStore({
      bucket,
      client: {
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      },
    });
    expect(await store.isHealthy()).toBe(false);
    store.close();
  });
});
