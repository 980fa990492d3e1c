import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventMetadata } from '@vgp/contracts';
import { EVENT_STORE, EventStore } from '@vgp/event-store';
import { AuditCheckpoint, CHECKPOINT_STREAM, signCheckpoint } from '../domain/audit-checkpoint';
import { AUDIT_SIGNER, AuditSigner } from './audit-signer.port';

export type ChainHead = { seq: number; headHash: string };

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
    await this.store.append(CHECKPOINT_STREAM, [{ id: randomUUID(), type: signed.type, data: signed.data, occurredAt: signed.data.at, metadata }], 'any');
    const { seq, headHash, keyId, signature } = signed.data;
    this.logger.log({ msg: 'audit checkpoint signed', seq, headHash, keyId, signature });
    return signed.data;
  }
}
