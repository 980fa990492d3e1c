import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Clock, CLOCK, EventMetadataFactory } from '@vgp/platform';
import { type Admission, ProbeLimiter, type SuppressedProbes } from '../domain/probe-limiter.js';
import { ANONYMOUS_VIEWER, NO_SINGLE_RECORDING, replayDenied } from '../domain/replay-access.events.js';
import { AccessAudit, accessStreamOf } from './access-audit.js';
import { ReplaySettings } from './replay-access.config.js';

/**
 * The probe limiter of the public stream endpoint, with its audit: refusals past the limit are appended as
 * ONE `ReplayDenied` (`rate_limited`, anonymous, with their count) per blocked period of an address, instead
 * of one event each. The client address is never stored.
 */
@Injectable()
export class ReplayProbeGuard {
  private readonly logger = new Logger('ReplayProbeGuard');
  readonly limiter: ProbeLimiter;

  constructor(
    settings: ReplaySettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audits: AccessAudit,
    private readonly metadata: EventMetadataFactory,
  ) {
    this.limiter = new ProbeLimiter(settings.probeLimits, clock);
  }

  admit(address: string, isProbe: boolean): Admission {
    return this.limiter.admit(address, isProbe);
  }

  /** Appends the event for these refusals; if it cannot be appended they go back to the limiter, and this throws. */
  async audit(suppressed: SuppressedProbes): Promise<void> {
    const event = replayDenied({
      viewerId: ANONYMOUS_VIEWER,
      recordingId: NO_SINGLE_RECORDING,
      patientId: null,
      reason: 'rate_limited',
      operation: 'stream',
      suppressed: { count: suppressed.count, firstAt: suppressed.firstAt.toISOString(), lastAt: suppressed.lastAt.toISOString() },
    });
    try {
      await this.audits.record(accessStreamOf(ANONYMOUS_VIEWER), [event], this.metadata.system(), this.clock());
    } catch (error) {
      this.limiter.restore(suppressed);
      throw error;
    }
  }

  /** Housekeeping: audits the refusals of every address whose block has ended. */
  async flushEnded(): Promise<void> {
    await this.flush(this.limiter.drainEnded());
  }

  /** At shutdown: audits every refusal not yet audited. */
  async flushAll(): Promise<void> {
    await this.flush(this.limiter.drainAll());
  }

  private async flush(all: SuppressedProbes[]): Promise<void> {
    for (const suppressed of all) {
      await this.audit(suppressed).catch((error: unknown) => this.logger.warn(`rate_limited audit deferred: ${String(error)}`));
    }
  }
}
