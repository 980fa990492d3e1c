import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { domainEventOf, EVENT_STORE, type EventStore } from '@vgp/event-store';
import { AUDIT_STREAM, type AuditEntryRecorded, chainVerifier, type Sha256 } from '../domain/audit-chain.js';
import {
  type AuditCheckpointSigned,
  CHECKPOINT_STREAM,
  historyVerificationOf,
  type HistoryVerification,
  verifyCheckpointsAgainst,
} from '../domain/audit-checkpoint.js';
import { AUDIT_SIGNER, type AuditSigner } from './audit-signer.port.js';
import { AUDIT_SHA256 } from './audit.tokens.js';
import { VerifyAuditChainQuery } from './verify-audit-chain.query.js';

/** Entries read per round trip: memory stays flat whatever the chain's length. */
const BATCH = 2000;
const AUDIT_CATEGORY = AUDIT_STREAM.slice(0, AUDIT_STREAM.indexOf('-'));

/**
 * Recomputes the whole chain, streamed from the store itself (not the read model) in batches, and checks
 * every signed checkpoint against the hashes seen at their seqs.
 */
@QueryHandler(VerifyAuditChainQuery)
export class VerifyAuditChainHandler implements IQueryHandler<VerifyAuditChainQuery, HistoryVerification> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SHA256) private readonly sha256: Sha256,
    @Inject(AUDIT_SIGNER) private readonly signer: AuditSigner,
  ) {}

  async execute(): Promise<HistoryVerification> {
    const checkpoints = (await this.store.readStream(CHECKPOINT_STREAM))
      .filter((event) => event.type === 'AuditCheckpointSigned')
      .map((event) => domainEventOf<AuditCheckpointSigned>(event).data);
    const wanted = new Set(checkpoints.map((checkpoint) => checkpoint.seq));
    const heads = new Map<number, string>();
    const verifier = chainVerifier(this.sha256);
    let position = 0;
    for (;;) {
      const batch = await this.store.readAll({ fromPosition: position, limit: BATCH, categories: [AUDIT_CATEGORY] });
      for (const event of batch) {
        if (event.streamId !== AUDIT_STREAM) continue;
        const entry = domainEventOf<AuditEntryRecorded>(event).data;
        verifier.push(entry);
        if (wanted.has(verifier.count())) heads.set(verifier.count(), entry.hash);
      }
      if (batch.length < BATCH) break;
      position = batch[batch.length - 1].position;
    }
    const chain = verifier.result();
    return historyVerificationOf(
      chain,
      verifyCheckpointsAgainst(
        { length: chain.entries, hashAt: (seq) => heads.get(seq) },
        checkpoints,
        this.signer.checkSignature,
        this.signer.trustedKeyIds,
      ),
    );
  }
}
