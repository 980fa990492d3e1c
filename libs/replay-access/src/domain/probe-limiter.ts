/**
 * Throttles probing of the public stream endpoint, per client address, with a sliding window.
 *
 * Only probes (requests whose token the read model does not know) use up an address's allowance, so a player
 * fetching many ranges of a real grant never does. Once an address has made `limit` probes within the last
 * `windowMs`, EVERY request from it is refused until the oldest probe slides out, whatever its token: letting a
 * known token through would turn the 429 into an oracle for token guessing. Other addresses are never affected.
 *
 * Refused requests leave no event each; they are counted, and the count is handed out once per blocked period
 * (`admit` of the next allowed request, or `drainEnded`) so that the caller appends ONE audit event for them.
 * Pure: no I/O, time comes from the injected clock.
 */
export type ProbeLimits = { limit: number; windowMs: number };

/** Requests refused while an address was blocked, for one `rate_limited` audit event. */
export type SuppressedProbes = { address: string; count: number; firstAt: Date; lastAt: Date };

export type Admission =
  | {
      allowed: true;
      /** Refusals still to be audited, to be appended BEFORE this request is answered. */ suppressed: SuppressedProbes | null;
    }
  | { allowed: false; retryAfterSeconds: number };

type Tracked = { probes: number[]; suppressed: SuppressedProbes | null };

export class ProbeLimiter {
  private readonly addresses = new Map<string, Tracked>();

  constructor(
    readonly limits: ProbeLimits,
    private readonly clock: () => Date,
  ) {
    if (!Number.isSafeInteger(limits.limit) || limits.limit < 1) throw new Error('ProbeLimiter: limit must be a positive integer');
    if (!Number.isFinite(limits.windowMs) || limits.windowMs < 1) throw new Error('ProbeLimiter: windowMs must be positive');
  }

  /**
   * Decides one request, synchronously so concurrent requests cannot all slip under the limit.
   * `isProbe`: its token is unknown; an allowed probe is counted against the address.
   */
  admit(address: string, isProbe: boolean): Admission {
    const now = this.clock().getTime();
    const tracked = this.addresses.get(address) ?? { probes: [], suppressed: null };
    this.slide(tracked, now);
    if (tracked.probes.length >= this.limits.limit) {
      const at = new Date(now);
      tracked.suppressed = tracked.suppressed
        ? { ...tracked.suppressed, count: tracked.suppressed.count + 1, lastAt: at }
        : { address, count: 1, firstAt: at, lastAt: at };
      this.addresses.set(address, tracked);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((tracked.probes[0] + this.limits.windowMs - now) / 1000)) };
    }
    const suppressed = tracked.suppressed;
    tracked.suppressed = null;
    if (isProbe) tracked.probes.push(now);
    if (tracked.probes.length > 0) this.addresses.set(address, tracked);
    else this.addresses.delete(address);
    return { allowed: true, suppressed };
  }

  /** Gives back refusals whose audit could not be appended, so they are audited later rather than lost. */
  restore(suppressed: SuppressedProbes): void {
    const tracked = this.addresses.get(suppressed.address) ?? { probes: [], suppressed: null };
    const pending = tracked.suppressed;
    tracked.suppressed = pending
      ? {
          address: suppressed.address,
          count: pending.count + suppressed.count,
          firstAt: pending.firstAt < suppressed.firstAt ? pending.firstAt : suppressed.firstAt,
          lastAt: pending.lastAt > suppressed.lastAt ? pending.lastAt : suppressed.lastAt,
        }
      : suppressed;
    this.addresses.set(suppressed.address, tracked);
  }

  /**
   * Housekeeping: hands out the refusals of every address that is no longer blocked (its window has moved on)
   * and forgets addresses with nothing left in the window, so the map stays as small as the recent traffic.
   */
  drainEnded(): SuppressedProbes[] {
    const now = this.clock().getTime();
    const ended: SuppressedProbes[] = [];
    for (const [address, tracked] of this.addresses) {
      this.slide(tracked, now);
      if (tracked.suppressed && tracked.probes.length < this.limits.limit) {
        ended.push(tracked.suppressed);
        tracked.suppressed = null;
      }
      if (tracked.probes.length === 0 && !tracked.suppressed) this.addresses.delete(address);
    }
    return ended;
  }

  /** At shutdown: every refusal not yet handed out, blocked or not. */
  drainAll(): SuppressedProbes[] {
    const all = [...this.addresses.values()].flatMap((t) => (t.suppressed ? [t.suppressed] : []));
    this.addresses.clear();
    return all;
  }

  /** How many addresses are tracked (for tests and metrics). */
  get size(): number {
    return this.addresses.size;
  }

  private slide(tracked: Tracked, now: number): void {
    const from = now - this.limits.windowMs;
    let drop = 0;
    while (drop < tracked.probes.length && tracked.probes[drop] <= from) drop++;
    if (drop > 0) tracked.probes.splice(0, drop);
  }
}
