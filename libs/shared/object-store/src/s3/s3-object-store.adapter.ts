import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
  ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertSafeKey,
  type ByteRange,
  ObjectNotFound,
  type ObjectStore,
  ObjectTooLarge,
  type PutOptions,
  RangeNotSatisfiable,
  type StoredObject,
} from '../object-store.port.js';

export type S3ObjectStoreOptions = {
  bucket: string;
  /** Every key lives under this prefix (e.g. `recording/`, or a per-test-run prefix). */
  keyPrefix?: string;
  /**
   * Either a ready client (shared, owned by the caller) or the config to build one (owned by the store):
   * endpoint, region, credentials, forcePathStyle (S3-compatible servers), and requestChecksumCalculation /
   * responseChecksumValidation ('WHEN_REQUIRED' for servers that lack the SDK's default CRC checksums).
   */
  client: S3Client | S3ClientConfig;
  /** SSE-S3 by default; `false` for servers without server-side encryption (versitygw, MinIO without KMS). */
  serverSideEncryption?: ServerSideEncryption | false;
  /** Multipart part size in bytes (S3 minimum 5 MiB) and how many parts are in flight at once. */
  partSize?: number;
  queueSize?: number;
};

/** The longest a presigned URL may live: replay grants are short-lived by design. */
export const MAX_PRESIGN_TTL_SECONDS = 300;
/** A single CopyObject handles up to 5 GiB; the store refuses anything larger. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
const SHA256_META = 'sha256';
const STAGING = '.staging/';

type S3Error = { name?: string; $metadata?: { httpStatusCode?: number } };
const statusOf = (error: unknown) => (error as S3Error)?.$metadata?.httpStatusCode;
const isNotFound = (error: unknown) => statusOf(error) === 404 || ['NotFound', 'NoSuchKey'].includes((error as S3Error)?.name ?? '');

/**
 * The object store on S3 (AWS SDK v3). An upload streams to a staging key as a multipart upload while its
 * sha-256 is computed, then is copied to its key with the sha-256 in its metadata, so an object appears only
 * complete and with its checksum. What breaks off (a failed source, a size limit) is aborted and leaves nothing.
 * Staging leftovers from a crashed process are cleaned by a lifecycle rule on `<prefix>.staging/`.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly sse: ServerSideEncryption | undefined;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.ownsClient = !(options.client instanceof S3Client);
    this.client = options.client instanceof S3Client ? options.client : new S3Client(options.client);
    this.bucket = options.bucket;
    this.prefix = options.keyPrefix ?? '';
    this.sse = options.serverSideEncryption === false ? undefined : (options.serverSideEncryption ?? 'AES256');
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    assertSafeKey(key);
    const limit = Math.min(options.maxBytes ?? MAX_COPY_BYTES, MAX_COPY_BYTES);
    const meter = new Meter(limit);
    // A failing source must fail the upload: forward its error into the metered stream.
    body.once('error', (error) => meter.destroy(error));
    body.pipe(meter);

    const staging = `${this.prefix}${STAGING}${randomUUID()}`;
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: staging,
        Body: meter,
        ContentType: options.contentType,
        ServerSideEncryption: this.sse,
      },
      partSize: this.options.partSize,
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      await upload.abort().catch(() => undefined);
      body.unpipe(meter);
      body.destroy();
      // Upload may also have completed a single-part PUT before the error surfaced.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: staging })).catch(() => undefined);
      if (meter.tooLarge) throw new ObjectTooLarge(options.maxBytes ?? MAX_COPY_BYTES);
      throw error;
    }

    const sha256 = meter.digest();
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          CopySource: `${this.bucket}/${encodeURIComponent(staging).replaceAll('%2F', '/')}`,
          MetadataDirective: 'REPLACE',
          ContentType: options.contentType,
          Metadata: { [SHA256_META]: sha256 },
          ServerSideEncryption: this.sse,
        }),
      );
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: staging })).catch(() => undefined);
    }
    return { key, bytes: meter.bytes, sha256, contentType: options.contentType };
  }

  async head(key: string): Promise<StoredObject | null> {
    assertSafeKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      const sha256 = head.Metadata?.[SHA256_META];
      // Every object this store writes carries its checksum; one without was put there by something else.
      if (!sha256) throw new Error(`object ${key} has no sha256 metadata: not written by this store`);
      return { key, bytes: head.ContentLength ?? 0, sha256, contentType: head.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range && (range.start < 0 || range.end < range.start || !Number.isInteger(range.start) || !Number.isInteger(range.end))) {
      const head = await this.head(key);
      if (!head) throw new ObjectNotFound(key);
      throw new RangeNotSatisfiable(range, head.bytes);
    }
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = response.Body as Readable;
      // S3 clamps a range that runs past the end; the port refuses it instead.
      const total = Number(/\/(\d+)$/.exec(response.ContentRange ?? '')?.[1] ?? NaN);
      if (range && Number.isFinite(total) && range.end >= total) {
        body.destroy();
        throw new RangeNotSatisfiable(range, total);
      }
      return body;
    } catch (error) {
      if (error instanceof RangeNotSatisfiable) throw error;
      if (isNotFound(error)) throw new ObjectNotFound(key);
      if (range && statusOf(error) === 416) {
        const head = await this.head(key);
        if (!head) throw new ObjectNotFound(key);
        throw new RangeNotSatisfiable(range, head.bytes);
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** A GET URL that the S3 server itself refuses after `ttlSeconds` (at most 300). */
  async presignGet(key: string, ttlSeconds: number): Promise<string> {
    assertSafeKey(key);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_TTL_SECONDS) {
      throw new RangeError(`presigned URL lifetime must be 1..${MAX_PRESIGN_TTL_SECONDS} s, got ${ttlSeconds}`);
    }
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), {
      expiresIn: ttlSeconds,
    });
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(5_000) });
      return true;
    } catch {
      return false;
    }
  }

  /** Releases the client if this store built it. */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

/** Counts and hashes the bytes that pass, and fails the stream once they exceed the limit. */
class Meter extends Transform {
  bytes = 0;
  tooLarge = false;
  private readonly hash = createHash('sha256');

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.tooLarge = true;
      callback(new ObjectTooLarge(this.limit));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
