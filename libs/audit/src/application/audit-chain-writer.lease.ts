import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type LeaseFence, type WriterLeases } from '@vgp/event-store';
import { AppConfig, HealthRegistry } from '@vgp/platform';
import { AUDIT_WRITER_LEASE_CONFIG } from './audit.config.js';

/** Where the chain's writer lease is kept: the audit's own event store when it keeps leases (PostgreSQL). */
export const AUDIT_WRITER_LEASES = Symbol('AUDIT_WRITER_LEASES');
/** The lease's name in the store, and this replica's line in readiness. */
export const AUDIT_CHAIN_LEASE = 'audit-chain-writer';

export type ChainWriterRole = 'writer' | 'standby';

/**
 * Whether this replica is the one writer of the audit chain (ADR 0033). It holds the lease while its
 * latest grant, counted from before it was asked for, has not run out; it renews every renew interval.
 * A standby tries to take the lease at the same rate, so it takes over at most TTL + renew interval after
 * the writer's last renewal. Time here is a monotonic duration, never the time of day.
 */
@Injectable()
export class AuditChainWriterLease implements OnModuleInit {
  private readonly logger = new Logger('AuditChainWriterLease');
  private readonly holder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private heldUntil = 0;
  private token = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    @Inject(AUDIT_WRITER_LEASES) private readonly leases: WriterLeases,
    private readonly health: HealthRegistry,
    config: AppConfig,
  ) {
    ({ ttlMs: this.ttlMs, renewMs: this.renewMs } = config.of(AUDIT_WRITER_LEASE_CONFIG));
  }

  onModuleInit(): void {
    // Both roles are ready: a standby answers every read; it only leaves the appending to the writer.
    this.health.register(AUDIT_CHAIN_LEASE, () => Promise.resolve({ up: true, role: this.role, epoch: this.token || null }));
  }

  get role(): ChainWriterRole {
    return this.isWriter() ? 'writer' : 'standby';
  }

  isWriter(): boolean {
    return this.running && performance.now() < this.heldUntil;
  }

  /** What the writer appends under: the store refuses the append once this grant is no longer the lease's. */
  fence(): LeaseFence {
    return { lease: AUDIT_CHAIN_LEASE, holder: this.holder, token: this.token };
  }

  /** The store refused an append under this grant: someone else holds the lease now. */
  deposed(): void {
    if (this.heldUntil === 0) return;
    this.heldUntil = 0;
    this.logger.warn(`audit chain lease lost at epoch ${this.token}; standing by`);
  }

  /** Asks once (so the first replica up is the writer before it chains anything), then keeps renewing. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.renew();
    this.schedule();
  }

  /** Stops renewing and lets the lease lapse now, so a standby takes over without waiting for the TTL. */
  async stop(): Promise<void> {
    const wasWriter = this.isWriter();
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake();
    this.heldUntil = 0;
    if (!wasWriter) return;
    await this.leases.release(AUDIT_CHAIN_LEASE, this.holder, this.token).catch((error: unknown) => {
      this.logger.warn(`releasing the audit chain lease failed (${nameOf(error)}); a standby takes over when it expires`);
    });
  }

  /** Resolves after `ms`, or sooner when this replica becomes the writer or stops. */
  changed(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  get stopped(): boolean {
    return !this.running;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.renew().finally(() => this.schedule()), this.renewMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const asked = performance.now();
    const wasWriter = this.isWriter();
    try {
      const grant = await this.leases.acquire(AUDIT_CHAIN_LEASE, this.holder, this.ttlMs);
      if (!this.running) return;
      if (!grant) {
        if (wasWriter) this.logger.warn(`audit chain lease lost at epoch ${this.token}; standing by`);
        this.heldUntil = 0;
        return;
      }
      // The store counts the TTL from a moment after `asked`: this replica stops writing before anyone may take over.
      this.heldUntil = asked + grant.ttlMs;
      if (!wasWriter || grant.token !== this.token) {
        this.token = grant.token;
        this.logger.log(`this replica writes the audit chain (lease epoch ${grant.token})`);
        this.wake();
      }
    } catch (error) {
      // Unreachable store: a held grant simply runs out, and appends stop with it.
      this.logger.warn(`renewing the audit chain lease failed (${nameOf(error)})`);
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

const nameOf = (error: unknown): string => (error instanceof Error ? error.name : 'error');
