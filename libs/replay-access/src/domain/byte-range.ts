import { RangeNotSatisfiable } from './replay-access.errors.js';

/** Inclusive byte positions; `partial` is false when the whole body was asked for (no Range header). */
export type ResolvedRange = { start: number; end: number; partial: boolean };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Resolves an HTTP Range header against a body of `size` bytes: `bytes=a-b`, `bytes=a-` and `bytes=-n`.
 * One range only; anything else (several ranges, another unit, a range outside the body) is unsatisfiable,
 * so the server never guesses which bytes were meant and the audit records exactly what was sent.
 */
export const resolveRange = (header: string | undefined, size: number): ResolvedRange => {
  if (header === undefined) return { start: 0, end: Math.max(0, size - 1), partial: false };
  const match = SINGLE_RANGE.exec(header.replace(/\s+/g, ''));
  if (!match || size === 0) throw new RangeNotSatisfiable(size);
  const [, first, last] = match;
  if (first === '' && last === '') throw new RangeNotSatisfiable(size);
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix) || suffix === 0) throw new RangeNotSatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1, partial: true };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= size || start > end) {
    throw new RangeNotSatisfiable(size);
  }
  return { start, end, partial: true };
};
