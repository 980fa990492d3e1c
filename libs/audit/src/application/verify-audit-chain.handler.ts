import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { domainEventOf, EVENT_STORE, EventStore } from '@vgp/event-store';
import { AUDIT_STREAM, AuditEntryRecorded, Sha256 } from '../domain/audit-chain';
import { AuditCheckpointSigned, CHECKPOINT_STREAM, HistoryVerification, verifyHistory } from '../domain/audit-checkpoint';
import { AUDIT_SIGNER, AuditSigner } from './audit-signer.port';
import { AUDIT_SHA256 } from './audit.tokens';
import { VerifyAuditChainQuery } from './verify-audit-chain.query';

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
