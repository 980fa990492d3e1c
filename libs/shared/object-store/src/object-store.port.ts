import { Readable } from 'node:stream';

export const OBJECT_STORE = Symbol('OBJECT_STORE');

export type PutOptions = {
  contentType: string;
  /** The write fails with ObjectTooLarge past this many bytes, and nothing is left behind. */
  maxBytes?: number;
};

export type StoredObject = { key: string; bytes: number; sha256: string; contentType: string };

/** Inclusive byte range, as in HTTP Range. */
export type ByteRange = { start: number; end: number };

export interface ObjectStore {
  /** Streams the body in; the object becomes visible only once it is complete. */
  put(key: string, body: Readable, options: PutOptions): Promise<StoredObject>;
  head(key: string): Promise<StoredObject | null>;
  /**
   * A readable of the object or the given inclusive range; ObjectNotFound when absent,
   * RangeNotSatisfiable when the range does not lie within it (clamp an open-ended HTTP range first).
   */
  get(key: string, range?: ByteRange): Promise<Readable>;
  delete(key: string): Promise<void>;
  isHealthy(): Promise<boolean>;
}

export class ObjectNotFound extends Error {
  constructor(readonly key: string) {
    super(`object not found`);
    this.name = 'ObjectNotFound';
  }
}

export class ObjectTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`object exceeds ${maxBytes} bytes`);
    this.name = 'ObjectTooLarge';
  }
}

/** A range that does not lie within the object: start after end, or an end at or past its size. */
export class RangeNotSatisfiable extends Error {
  constructor(
    readonly range: ByteRange,
    readonly size: number,
  ) {
    super(`range ${range.start}-${range.end} is outside an object of ${size} bytes`);
    this.name = 'RangeNotSatisfiable';
  }
}

/** A key that could escape the store's root or is otherwise not a plain relative key. */
export class InvalidObjectKey extends Error {
  constructor(readonly key: string) {
    super(`invalid object key`);
    this.name = 'InvalidObjectKey';
  }
}

/** Keys are server-generated: segments of [A-Za-z0-9._-], no dot-only segments, no leading slash. */
export const assertSafeKey = (key: string): void => {
  const segments = key.split('/');
  const ok = key.length > 0 && key.length <= 500 && segments.every((s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== '.' && s !== '..');
  if (!ok) throw new InvalidObjectKey(key);
};
