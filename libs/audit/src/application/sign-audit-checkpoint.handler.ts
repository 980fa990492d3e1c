import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Clock } from '@vgp/domain';
import { CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type AuditCheckpoint } from '../domain/audit-checkpoint.js';
import { AUDIT_CHAIN_HEAD, AUDIT_CHAIN_PROCESSOR, type AuditChainHead } from './audit-chain-head.port.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';
import { SignAuditCheckpointCommand } from './sign-audit-checkpoint.command.js';

@CommandHandler(SignAuditCheckpointCommand)
export class SignAuditCheckpointHandler implements ICommandHandler<SignAuditCheckpointCommand, AuditCheckpoint> {
  constructor(
    @Inject(AUDIT_CHAIN_HEAD) private readonly chain: AuditChainHead,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly checkpoints: AuditCheckpointWriter,
    private readonly metadata: EventMetadataFactory,
  ) {}

  async execute({ officer }: SignAuditCheckpointCommand): Promise<AuditCheckpoint> {
    // Everything already in the inbox is chained first, so the checkpoint covers it.
    await this.freshness.caughtUp(AUDIT_CHAIN_PROCESSOR);
    return this.checkpoints.checkpoint(this.chain.head(), this.clock(), this.metadata.forUser(officer, 'compliance_officer'));
  }
}
