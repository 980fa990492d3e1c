import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '@vgp/domain';
import {
  domainEventOf,
  DuplicateEventId,
  EVENT_STORE,
  EventProcessor,
  type EventProcessorOptions,
  type EventStore,
  type ExpectedRevision,
  HandlerFailed,
  LeaseLost,
  type ProcessorObserver,
  type StoredEvent,
  toNewEvents,
  WrongExpectedRevision,
} from '@vgp/event-store';
import { AppConfig, CLOCK, EventMetadataFactory } from '@vgp/platform';
import {
  AUDIT_STREAM,
  auditChainDecider,
  type AuditChainState,
  type AuditEntryRecorded,
  type AuditSource,
  entryEventId,
  type Sha256,
} from '../domain/audit-chain.js';
import { isCheckpointDue } from '../domain/audit-checkpoint.js';
import { AUDIT_CHAIN_PROCESSOR, type AuditChainHead, type ChainHead } from './audit-chain-head.port.js';
import { AuditChainWriterLease } from './audit-chain-writer.lease.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';
import { AUDIT_CONFIG } from './audit.config.js';
import { AUDIT_SHA256 } from './audit.tokens.js';

/** How often a standby looks whether the writer has chained the inbox event it is at. */
const STANDBY_POLL_MS = 200;

/**
 * Folds the inbox, in store order, into the one hash-chained stream `auditlog-main`: exactly one
 * entry per source event id. Only the replica holding the writer lease appends (ADR 0033), under that
 * lease's token, so the store refuses a deposed writer's late append; it keeps the chain's state in
 * memory and appends at the revision that state says, and follows the chain when it moved.
 * A standby walks the same inbox but only follows the chain, event by event, so it takes over from
 * the head the store holds, with nothing chained twice and nothing skipped.
 */
@Injectable()
export class AuditChainAppender implements AuditChainHead {
  private readonly logger = new Logger('AuditChainAppender');
  private readonly checkpointEvery: number;
  private state: AuditChainState = auditChainDecider.initialState();
  /** A due checkpoint that could not be written; the next entry retries it. */
  private checkpointOwed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metadata: EventMetadataFactory,
    private readonly checkpoints: AuditCheckpointWriter,
    private readonly lease: AuditChainWriterLease,
    config: AppConfig,
  ) {
    this.checkpointEvery = config.of(AUDIT_CONFIG).checkpointEvery;
  }

  /** The appender as the context runtime runs it: started after the read models, before the inbox. */
  processor(observer: ProcessorObserver): EventProcessor {
    return new LeasedChainProcessor(this.lease, {
      name: AUDIT_CHAIN_PROCESSOR,
      eventStore: this.store,
      categories: ['inbox'],
      // A chain must never skip an entry: a parked event would be an access missing from the record for
      // good. An event it cannot chain halts it there (readiness reports it) until it is fixed.
      onFailure: 'stop',
      observer,
      resumeAfter: async () => {
        await this.lease.start();
        // Replays the whole inbox; what the chain already holds is skipped by source id.
        await this.rebuild();
        return 0;
      },
      handle: (event) => this.chain(event),
    });
  }

  head(): ChainHead {
    return { seq: this.state.seq, headHash: this.state.headHash };
  }

  private async chain(stored: StoredEvent): Promise<void> {
    const source = toSource(stored);
    while (!this.state.chained.has(source.id)) {
      if (this.lease.isWriter()) {
        await this.append(source);
        continue;
      }
      // Standby: the writer chains it; follow the chain until it has (or this replica takes over).
      await this.follow();
      if (this.state.chained.has(source.id)) return;
      if (this.lease.stopped) throw new Error('the audit chain processor is stopping');
      await this.lease.changed(STANDBY_POLL_MS);
    }
  }

  /** Appends the entry of one source event at the revision this replica's state says; follows the chain when it moved. */
  private async append(source: AuditSource): Promise<void> {
    const recorded = this.decide(source);
    if (recorded.length === 0) return;
    try {
      const events = toNewEvents(recorded, this.metadata.causedBy(source), this.clock(), (entry) =>
        entryEventId(this.sha256, entry.data.sourceEventId),
      );
      await this.store.append(AUDIT_STREAM, events, this.expectedRevision(), { fence: this.lease.fence() });
    } catch (error) {
      if (error instanceof LeaseLost) {
        // Deposed while this append was on its way: the successor chains this event; stand by and follow it.
        this.lease.deposed();
        return;
      }
      if (!(error instanceof WrongExpectedRevision || error instanceof DuplicateEventId)) throw error;
      // Another writer extended the chain (a deposed one, or this one's successor): this append is refused; follow it.
      this.logger.warn(`audit chain moved underneath while chaining event ${source.id}; following it`);
      const before = this.state.seq;
      await this.follow();
      if (this.state.seq === before) throw error;
      return;
    }
    this.state = recorded.reduce(auditChainDecider.evolve, this.state);
    if (this.checkpointOwed || isCheckpointDue(this.state.seq, this.checkpointEvery)) await this.checkpoint(source);
  }

  /** The pure decision; its failure is the event's own (retrying will not help), so the processor's policy applies. */
  private decide(source: AuditSource): AuditEntryRecorded[] {
    try {
      return auditChainDecider.decide({ type: 'RecordAuditEntry', source }, this.state, this.sha256);
    } catch (error) {
      throw new HandlerFailed(error);
    }
  }

  /** The chain holds `seq` entries, at revisions 0..seq-1. */
  private expectedRevision(): ExpectedRevision {
    return this.state.seq === 0 ? 'no_stream' : this.state.seq - 1;
  }

  private async checkpoint(cause: AuditSource): Promise<void> {
    try {
      await this.checkpoints.checkpoint(this.head(), this.clock(), this.metadata.causedBy(cause));
      this.checkpointOwed = false;
    } catch (error) {
      // The entry is chained; its checkpoint is retried with the next one rather than lost.
      this.checkpointOwed = true;
      this.logger.warn(
        `audit checkpoint at seq ${this.state.seq} failed (${error instanceof Error ? error.name : 'error'}); retrying with the next entry`,
      );
    }
  }

  private async rebuild(): Promise<void> {
    this.state = auditChainDecider.initialState();
    await this.follow();
  }

  /** Folds the entries appended since this replica's head: one indexed read of what is new. */
  private async follow(): Promise<void> {
    const entries = await this.store.readStream(AUDIT_STREAM, this.state.seq);
    this.state = entries.map((event) => domainEventOf<AuditEntryRecorded>(event)).reduce(auditChainDecider.evolve, this.state);
  }
}

/** The chain's processor stops standing by or writing (and lets the lease go) before its subscription stops. */
class LeasedChainProcessor extends EventProcessor {
  constructor(
    private readonly lease: AuditChainWriterLease,
    options: EventProcessorOptions,
  ) {
    super(options);
  }

  override async stop(): Promise<void> {
    await this.lease.stop();
    await super.stop();
  }
}

/** The envelope as the causing context recorded it, without this store's position. */
export const toSource = ({ position: _position, ...envelope }: StoredEvent): AuditSource => envelope;
