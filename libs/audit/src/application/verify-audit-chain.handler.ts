import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { domainEventOf, EVENT_STORE, type EventStore } from '@vgp/event-store';
import { AUDIT_STREAM, type AuditEntryRecorded, type Sha256 } from '../domain/audit-chain.js';
import { type AuditCheckpointSigned, CHECKPOINT_STREAM, type HistoryVerification, verifyHistory } from '../domain/audit-checkpoint.js';
import { AUDIT_SIGNER, type AuditSigner } from './audit-signer.port.js';
import { AUDIT_SHA256 } from './audit.tokens.js';
import { VerifyAuditChainQuery } from './verify-audit-chain.query.js';

/** Recomputes the whole chain, and checks every signed checkpoint against it, from the store itself (not the read model). */
@QueryHandler(VerifyAuditChainQuery)
export class VerifyAuditChainHandler implements IQueryHandler<VerifyAuditChainQuery, HistoryVerification> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
    @Inject(AUDIT_SIGNER) private readonly signer: AuditSigner,
  ) {}

  async execute(): Promise<HistoryVerification> {
    const [entries, checkpoints] = await Promise.all([this.store.readStream(AUDIT_STREAM), this.store.readStream(CHECKPOINT_STREAM)]);
    return verifyHistory(
      entries.map((event) => domainEventOf<AuditEntryRecorded>(event).data),
      checkpoints
        .filter((event) => event.type === 'AuditCheckpointSigned')
        .map((event) => domainEventOf<AuditCheckpointSigned>(event).data),
      this.sha256,
      this.signer.checkSignature,
      this.signer.trustedKeyIds,
    );
  }
}
