import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadataFactory } from '@vgp/platform';
import { AuditCheckpoint } from '../domain/audit-checkpoint';
import { AuditChainAppender } from './audit-chain.appender';
import { AuditCheckpointWriter } from './audit-checkpoint.writer';
import { SignAuditCheckpointCommand } from './sign-audit-checkpoint.command';

@CommandHandler(SignAuditCheckpointCommand)
export class SignAuditCheckpointHandler implements ICommandHandler<SignAuditCheckpointCommand, AuditCheckpoint> {
  constructor(
    private readonly appender: AuditChainAppender,
    private readonly checkpoints: AuditCheckpointWriter,
    private readonly metadata: EventMetadataFactory,
  ) {}

  async execute({ officer }: SignAuditCheckpointCommand): Promise<AuditCheckpoint> {
    // Everything already in the inbox is chained first, so the checkpoint covers it.
    await this.appender.caughtUp();
    return this.checkpoints.checkpoint(this.appender.head, new Date(), this.metadata.forUser(officer, 'compliance_officer'));
  }
}
