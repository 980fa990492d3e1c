import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '@vgp/domain';
import {
  domainEventOf,
  DuplicateEventId,
  EVENT_STORE,
  EventProcessor,
  type EventStore,
  type ExpectedRevision,
  HandlerFailed,
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
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';
import { AUDIT_CONFIG } from './audit.config.js';
import { AUDIT_SHA256 } from './audit.tokens.js';

/**
 * Folds the inbox, in store order, into the one hash-chained stream `auditlog-main`: exactly one
 * entry per source event id. The only writer of that stream, so it keeps the chain's state in memory
 * and appends at the revision that state says; its state comes from the chain itself at every start,
 * so a restart continues the chain and skips what is already in it.
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
    config: AppConfig,
  ) {
    this.checkpointEvery = config.of(AUDIT_CONFIG).checkpointEvery;
  }

  /** The appender as the context runtime runs it: started after the read models, before the inbox. */
  processor(observer: ProcessorObserver): EventProcessor {
    return new EventProcessor({
      name: AUDIT_CHAIN_PROCESSOR,
      eventStore: this.store,
      categories: ['inbox'],
      // A chain must never skip an entry: a parked event would be an access missing from the record for
      // good. An event it cannot chain halts it there (readiness reports it) until it is fixed.
      onFailure: 'stop',
      observer,
      resumeAfter: async () => {
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
    const recorded = this.decide(source);
    if (recorded.length === 0) return;
    try {
      const events = toNewEvents(recorded, this.metadata.causedBy(source), this.clock(), (entry) =>
        entryEventId(this.sha256, entry.data.sourceEventId),
      );
      await this.store.append(AUDIT_STREAM, events, this.expectedRevision());
    } catch (error) {
      if (error instanceof WrongExpectedRevision || error instanceof DuplicateEventId) {
        // Someone else extended the chain: start again from what it now holds (the retry skips chained ids).
        this.logger.warn(`audit chain moved underneath while chaining event ${source.id}; rebuilding`);
        await this.rebuild();
      }
      throw error;
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
    const entries = await this.store.readStream(AUDIT_STREAM);
    this.state = entries
      .map((event) => domainEventOf<AuditEntryRecorded>(event))
      .reduce(auditChainDecider.evolve, auditChainDecider.initialState());
  }
}

/** The envelope as the causing context recorded it, without this store's position. */
export const toSource = ({ position: _position, ...envelope }: StoredEvent): AuditSource => envelope;
