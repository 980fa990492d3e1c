import { ProbeLimiter } from './probe-limiter.js';

const T0 = new Date('2026-03-02T10:00:00.000Z');

const limiterAt = (limit = 3, windowMs = 60_000) => {
  const clock = { now: T0 };
  const limiter = new ProbeLimiter({ limit, windowMs }, () => clock.now);
  const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));
  return { limiter, clock, advance };
};

describe('ProbeLimiter (sliding window per client address)', () => {
  it('allows `limit` probes in a window and refuses the next, with the seconds until the oldest slides out', () => {
    const { limiter, advance } = limiterAt(3, 60_000);
    expect(limiter.admit('10.0.0.1', true)).toEqual({ allowed: true, suppressed: null });
    advance(10_000);
    expect(limiter.admit('10.0.0.1', true).allowed).toBe(true);
    expect(limiter.admit('10.0.0.1', true).allowed).toBe(true);
    advance(500);
    expect(limiter.admit('10.0.0.1', true)).toEqual({ allowed: false, retryAfterSeconds: 50 });
  });

  it('refuses every request of a blocked address, a known token too (no oracle for guesses)', () => {
    const { limiter } = limiterAt(2);
    limiter.admit('10.0.0.1', true);
    limiter.admit('10.0.0.1', true);
    expect(limiter.admit('10.0.0.1', false).allowed).toBe(false);
  });

  it('never counts requests with known tokens, and never lets one address block another', () => {
    const { limiter } = limiterAt(2);
    for (let i = 0; i < 50; i++) expect(limiter.admit('10.0.0.1', false).allowed).toBe(true);
    limiter.admit('10.0.0.2', true);
    limiter.admit('10.0.0.2', true);
    expect(limiter.admit('10.0.0.2', true).allowed).toBe(false);
    expect(limiter.admit('10.0.0.1', true).allowed).toBe(true);
    expect(limiter.admit('10.0.0.3', false).allowed).toBe(true);
  });

  it('slides: a probe older than the window no longer counts', () => {
    const { limiter, advance } = limiterAt(2, 60_000);
    limiter.admit('a', true);
    advance(30_000);
    limiter.admit('a', true);
    expect(limiter.admit('a', true).allowed).toBe(false);
    advance(30_001);
    expect(limiter.admit('a', true).allowed).toBe(true);
    expect(limiter.admit('a', true)).toEqual({ allowed: false, retryAfterSeconds: 30 });
  });

  it('counts the refusals of a blocked period and hands them out once, with the next allowed request', () => {
    const { limiter, advance, clock } = limiterAt(1, 60_000);
    limiter.admit('a', true);
    advance(1_000);
    const firstAt = clock.now;
    for (let i = 0; i < 4; i++) limiter.admit('a', true);
    advance(2_000);
    limiter.admit('a', false);
    const lastAt = clock.now;
    advance(60_000);
    expect(limiter.admit('a', false)).toEqual({ allowed: true, suppressed: { address: 'a', count: 5, firstAt, lastAt } });
    expect(limiter.admit('a', false)).toEqual({ allowed: true, suppressed: null });
  });

  it('hands out ended blocks from housekeeping, keeps blocks still running, and forgets quiet addresses', () => {
    const { limiter, advance } = limiterAt(1, 60_000);
    limiter.admit('ended', true);
    limiter.admit('ended', true);
    advance(30_000);
    limiter.admit('running', true);
    limiter.admit('running', true);
    limiter.admit('quiet', false);
    advance(30_001);
    expect(limiter.drainEnded().map((s) => [s.address, s.count])).toEqual([['ended', 1]]);
    expect(limiter.size).toBe(1);
    expect(limiter.drainEnded()).toEqual([]);
    advance(30_000);
    expect(limiter.drainEnded().map((s) => [s.address, s.count])).toEqual([['running', 1]]);
    expect(limiter.size).toBe(0);
  });

  it('takes back refusals whose audit failed, merged with any since', () => {
    const { limiter, advance } = limiterAt(1, 60_000);
    limiter.admit('a', true);
    limiter.admit('a', true);
    advance(60_001);
    const admission = limiter.admit('a', true);
    if (!admission.allowed || !admission.suppressed) throw new Error('expected refusals to audit');
    limiter.admit('a', true);
    limiter.restore(admission.suppressed);
    expect(limiter.drainAll().map((s) => [s.address, s.count])).toEqual([['a', 2]]);
  });

  it('rejects limits that make no sense', () => {
    expect(() => new ProbeLimiter({ limit: 0, windowMs: 1000 }, () => T0)).toThrow(/limit/);
    expect(() => new ProbeLimiter({ limit: 1, windowMs: 0 }, () => T0)).toThrow(/windowMs/);
  });
});
