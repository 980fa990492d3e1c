import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventMetadata } from '@vgp/contracts';
import { EVENT_STORE, type EventStore, toNewEvents } from '@vgp/event-store';
import { type AuditCheckpoint, CHECKPOINT_STREAM, signCheckpoint } from '../domain/audit-checkpoint.js';
import { type ChainHead } from './audit-chain-head.port.js';
import { AUDIT_SIGNER, type AuditSigner } from './audit-signer.port.js';

/**
 * Signs the chain's head and appends it to `auditcheckpoint-main`. Each checkpoint is also logged
 * (hashes and key id only), so a copy exists outside the store a tamperer would rewrite.
 */
@Injectable()
export class AuditCheckpointWriter {
  private readonly logger = new Logger('AuditCheckpoints');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_SIGNER) private readonly signer: AuditSigner,
  ) {}

  async checkpoint(head: ChainHead, at: Date, metadata: EventMetadata): Promise<AuditCheckpoint> {
    const signed = signCheckpoint({ seq: head.seq, headHash: head.headHash, at: at.toISOString() }, this.signer);
    // Checkpoints of any writer are welcome in any order: each vouches for itself.
    await this.store.append(CHECKPOINT_STREAM, toNewEvents([signed], metadata, at), 'any');
    const { seq, headHash, keyId, signature } = signed.data;
    this.logger.log({ msg: 'audit checkpoint signed', seq, headHash, keyId, signature });
    return signed.data;
  }
}
