import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, CLOCK } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy';
import { CancelConsultationCommand } from './cancel-consultation.command';
import { ConsultationCommandRunner, WriteResult } from './consultation-command.runner';
import { roleOrNotFound } from './role-or-not-found';

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
