import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, CLOCK } from '@vgp/platform';
import { completingRole } from '../domain/consultation-access.policy';
import { CompleteConsultationCommand } from './complete-consultation.command';
import { ConsultationCommandRunner, WriteResult } from './consultation-command.runner';
import { roleOrNotFound } from './role-or-not-found';

@CommandHandler(CompleteConsultationCommand)
export class CompleteConsultationHandler implements ICommandHandler<CompleteConsultationCommand, WriteResult> {
  constructor(
    private readonly runner: ConsultationCommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId }: CompleteConsultationCommand): Promise<WriteResult> {
    return this.runner.run({
      caller,
      command: { type: 'CompleteConsultation', consultationId, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, completingRole),
    });
  }
}
