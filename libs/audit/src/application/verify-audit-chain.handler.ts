import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '@vgp/event-store';
import { AUDIT_STREAM, AuditEntry, ChainVerification, Sha256, verifyChain } from '../domain/audit-chain';
import { AUDIT_SHA256 } from './audit.tokens';
import { VerifyAuditChainQuery } from './verify-audit-chain.query';

/** Recomputes the whole chain from the store itself, not from the in-memory read model. */
@QueryHandler(VerifyAuditChainQuery)
export class VerifyAuditChainHandler implements IQueryHandler<VerifyAuditChainQuery, ChainVerification> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
  ) {}

  async execute(): Promise<ChainVerification> {
    const stored = await this.store.readStream(AUDIT_STREAM);
    return verifyChain(
      stored.map((event) => event.data as AuditEntry),
      this.sha256,
    );
  }
}
