import { Inject, Injectable, Logger } from '@nestjs/common';
import { DuplicateEventId, EVENT_STORE, EventStore, StoredEvent, Subscription, WrongExpectedRevision } from '@vgp/event-store';
import { EventMetadataFactory } from '@vgp/platform';
import {
  AUDIT_STREAM,
  AuditChainState,
  AuditEntry,
  AuditEntryRecorded,
  AuditSource,
  decide,
  evolve,
  initialState,
  Sha256,
} from '../domain/audit-chain';
import { isCheckpointDue } from '../domain/audit-checkpoint';
import { entryEventId } from '../infrastructure/node-sha256';
import { AuditCheckpointWriter, ChainHead } from './audit-checkpoint.writer';
import { AUDIT_SETTINGS, AuditSettings } from './audit.settings';
import { AUDIT_SHA256 } from './audit.tokens';

/**
 * Folds the inbox, in store order, into the one hash-chained stream `auditlog-main`: exactly one
 * entry per source event id. Its state comes from the chain itself at every start, so a restart
 * continues the chain and skips what is already in it.
 */
@Injectable()
export class AuditChainAppender {
  private readonly logger = new Logger('AuditChainAppender');
  private state: AuditChainState = initialState();
  private subscription: Subscription | null = null;
  /** A due checkpoint that could not be written; the next entry retries it. */
  private checkpointOwed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
    private readonly metadata: EventMetadataFactory,
    private readonly checkpoints: AuditCheckpointWriter,
    @Inject(AUDIT_SETTINGS) private readonly settings: AuditSettings,
  ) {}

  async start(): Promise<void> {
    if (this.subscription) return;
    await this.rebuild();
    this.subscription = this.store.subscribe({ fromPosition: 0, categories: ['inbox'] }, (event) => this.chain(event));
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  /** Resolves once every inbox event stored so far is in the chain. */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the audit chain appender is not running');
    await this.subscription.caughtUp();
  }

  /** The last entry chained so far. */
  get head(): ChainHead {
    return { seq: this.state.seq, headHash: this.state.headHash };
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  private async chain(stored: StoredEvent): Promise<void> {
    const source = toSource(stored);
    const [recorded] = decide({ type: 'RecordAuditEntry', source }, this.state, this.sha256);
    if (!recorded) return;
    try {
      await this.store.append(
        AUDIT_STREAM,
        [{ id: entryEventId(source.id), type: recorded.type, data: recorded.data, metadata: this.metadata.causedBy(source) }],
        recorded.data.seq === 1 ? 'no_stream' : recorded.data.seq - 2,
      );
    } catch (error) {
      if (error instanceof WrongExpectedRevision || error instanceof DuplicateEventId) {
        // Someone else extended the chain: start again from what it now holds (the retry skips chained ids).
        this.logger.warn(`audit chain moved underneath while chaining event ${source.id}; rebuilding`);
        await this.rebuild();
      }
      throw error;
    }
    this.state = evolve(this.state, recorded);
    if (this.checkpointOwed || isCheckpointDue(recorded.data.seq, this.settings.checkpointEvery)) await this.checkpoint(source);
  }

  private async checkpoint(cause: AuditSource): Promise<void> {
    try {
      await this.checkpoints.checkpoint(this.head, new Date(), this.metadata.causedBy(cause));
      this.checkpointOwed = false;
    } catch (error) {
      // The entry is chained; its checkpoint is retried with the next one rather than lost.
      this.checkpointOwed = true;
      this.logger.warn(`audit checkpoint at seq ${this.state.seq} failed (${error instanceof Error ? error.name : 'error'}); retrying with the next entry`);
    }
  }

  private async rebuild(): Promise<void> {
    const entries = await this.store.readStream(AUDIT_STREAM);
    this.state = entries.reduce(
      (state, event) => evolve(state, { type: 'AuditEntryRecorded', data: event.data as AuditEntry } satisfies AuditEntryRecorded),
      initialState(),
    );
  }
}

/** The envelope as the causing context recorded it, without this store's position. */
export const toSource = ({ position: _position, ...envelope }: StoredEvent): AuditSource => envelope;
