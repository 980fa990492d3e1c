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
import { entryEventId } from '../infrastructure/node-sha256';
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

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
    private readonly metadata: EventMetadataFactory,
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
