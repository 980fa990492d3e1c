import { resolveRange } from './byte-range.js';
import { RangeNotSatisfiable } from './replay-access.errors.js';

describe('which bytes of a recording a Range header asks for', () => {
  const size = 1000;

  it('sends the whole recording when no range is asked for', () =>
    expect(resolveRange(undefined, size)).toEqual({ start: 0, end: 999, partial: false }));
  it('sends exactly the closed range asked for', () =>
    expect(resolveRange('bytes=10-19', size)).toEqual({ start: 10, end: 19, partial: true }));
  it('sends from a position to the end for an open range', () =>
    expect(resolveRange('bytes=990-', size)).toEqual({ start: 990, end: 999, partial: true }));
  it('sends the last n bytes for a suffix range', () =>
    expect(resolveRange('bytes=-5', size)).toEqual({ start: 995, end: 999, partial: true }));
  it('sends the whole recording for a suffix longer than it', () =>
    expect(resolveRange('bytes=-5000', size)).toEqual({ start: 0, end: 999, partial: true }));
  it('stops at the last byte when a range runs past the end', () =>
    expect(resolveRange('bytes=900-5000', size)).toEqual({ start: 900, end: 999, partial: true }));

  it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=20-10', 'bytes=-0', 'bytes=-', 'bytes=0-1,5-6', 'items=0-1', 'bytes=a-b', ''])(
    'refuses %j instead of guessing',
    (header) => expect(() => resolveRange(header, size)).toThrow(RangeNotSatisfiable),
  );

  it('refuses any range of an empty recording', () => expect(() => resolveRange('bytes=0-', 0)).toThrow(RangeNotSatisfiable));
});
