import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Clock, CLOCK } from '@vgp/platform';
import { ReplaySettings } from './replay-access.config.js';
import { REPLAY_ACCESS_QUERIES, type ReplayAccessQueries } from './replay-access.queries.js';
import { ReplayProbeGuard } from './replay-probe.guard.js';

/** How often grants are pruned and ended probe blocks audited, at most. */
export const HOUSEKEEPING_MAX_INTERVAL_MS = 60_000;

/**
 * Periodic, in the background (an unref'd timer, so it never keeps a process alive): deletes grants
 * expired beyond the grace from the read-model store, and appends the `rate_limited` event of every ended
 * probe block. Both also happen lazily on access; this bounds the grants held when no one asks.
 */
@Injectable()
export class ReplayHousekeeping {
  private readonly logger = new Logger('ReplayHousekeeping');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly probes: ReplayProbeGuard,
    private readonly settings: ReplaySettings,
  ) {}

  /** One round now (a rebuilt read model holds every grant ever issued), then one periodically. */
  async start(): Promise<void> {
    if (this.timer) return;
    const every = Math.min(HOUSEKEEPING_MAX_INTERVAL_MS, this.settings.probeLimits.windowMs);
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    await this.tick();
  }

  /** One round; never throws (the next round retries). */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.queries.pruneGrants(this.clock());
        await this.probes.flushEnded();
      } catch (error) {
        this.logger.warn(`replay housekeeping failed: ${String(error)}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Stops the timer, waits for a round under way, and audits what is still pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.probes.flushAll();
  }
}
