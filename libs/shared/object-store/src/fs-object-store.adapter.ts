import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  type ByteRange,
  InvalidObjectKey,
  ObjectNotFound,
  type ObjectStore,
  ObjectTooLarge,
  type PutOptions,
  RangeNotSatisfiable,
  type StoredObject,
} from './object-store.port.js';

export type FsObjectStoreOptions = { root: string };

type Sidecar = { contentType: string; sha256: string; bytes: number };

/**
 * Objects in a local folder: `<root>/data/<key>` holds the bytes and `<root>/meta/<key>.json`
 * the content type and checksum. A put streams into a temp file beside its target and renames it
 * into place once complete and synced, so a reader sees the whole object or none of it. The
 * sidecar is written first: the data file appearing is the commit point.
 */
export class FsObjectStore implements ObjectStore {
  private readonly dataRoot: string;
  private readonly metaRoot: string;

  constructor(options: FsObjectStoreOptions) {
    this.dataRoot = resolve(options.root, 'data');
    this.metaRoot = resolve(options.root, 'meta');
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const dataPath = this.pathOf(this.dataRoot, key);
    const metaPath = `${this.pathOf(this.metaRoot, key)}.json`;
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer | string, _encoding, done) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buffer.length;
        if (options.maxBytes !== undefined && bytes > options.maxBytes) return done(new ObjectTooLarge(options.maxBytes));
        hash.update(buffer);
        done(null, buffer);
      },
    });

    await mkdir(dirname(dataPath), { recursive: true });
    const temp = tempPathFor(dataPath);
    try {
      await pipeline(body, meter, createWriteStream(temp, { flags: 'wx' }));
      await fsync(temp);
      const stored: StoredObject = { key, bytes, sha256: hash.digest('hex'), contentType: options.contentType };
      await writeAtomically(metaPath, JSON.stringify({ contentType: stored.contentType, sha256: stored.sha256, bytes } satisfies Sidecar));
      await rename(temp, dataPath);
      await fsyncDirectory(dirname(dataPath));
      return stored;
    } catch (error) {
      await rm(temp, { force: true });
      body.destroy();
      throw error;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    const dataPath = this.pathOf(this.dataRoot, key);
    const metaPath = `${this.pathOf(this.metaRoot, key)}.json`;
    try {
      await access(dataPath);
      const sidecar = JSON.parse(await readFile(metaPath, 'utf8')) as Sidecar;
      return { key, bytes: sidecar.bytes, sha256: sidecar.sha256, contentType: sidecar.contentType };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const dataPath = this.pathOf(this.dataRoot, key);
    const file = await open(dataPath, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new ObjectNotFound(key) : error;
    });
    try {
      // Size and bytes come from the same open file, even if the key is replaced meanwhile.
      const { size } = await file.stat();
      if (range && !withinSize(range, size)) throw new RangeNotSatisfiable(range, size);
    } catch (error) {
      await file.close();
      throw error;
    }
    return file.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(this.dataRoot, key), { force: true });
    await rm(`${this.pathOf(this.metaRoot, key)}.json`, { force: true });
  }

  async isHealthy(): Promise<boolean> {
    try {
      await mkdir(this.dataRoot, { recursive: true });
      await access(this.dataRoot, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** The key's path under `root`; the check after resolve is a second line behind assertSafeKey. */
  private pathOf(root: string, key: string): string {
    assertSafeKey(key);
    const path = resolve(root, key);
    if (!path.startsWith(root + sep)) throw new InvalidObjectKey(key);
    return path;
  }
}

const withinSize = ({ start, end }: ByteRange, size: number): boolean =>
  Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end < size;

/** Beside the target (same filesystem, so the rename is atomic), hidden, and unique per write. */
const tempPathFor = (path: string) => join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);

const writeAtomically = async (path: string, content: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
};

const fsync = async (path: string): Promise<void> => {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
};

/** Makes the rename itself durable; some platforms cannot sync a directory, which only weakens crash safety. */
const fsyncDirectory = async (path: string): Promise<void> => {
  try {
    const dir = await open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // best effort, see above
  }
};

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};
