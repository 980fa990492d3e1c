import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Clock, CLOCK } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy.js';
import { CancelConsultationCommand } from './cancel-consultation.command.js';
import { ConsultationCommandRunner, type WriteResult } from './consultation-command.runner.js';
import { roleOrNotFound } from './role-or-not-found.js';

@CommandHandler(CancelConsultationCommand)
export class CancelConsultationHandler implements ICommandHandler<CancelConsultationCommand, WriteResult> {
  constructor(
    private readonly runner: ConsultationCommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId, reason }: CancelConsultationCommand): Promise<WriteResult> {
    return this.runner.run({
      caller,
      command: { type: 'CancelConsultation', consultationId, reason, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, managingRole),
    });
  }
}
