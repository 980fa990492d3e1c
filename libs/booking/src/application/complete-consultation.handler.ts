import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Clock, CLOCK } from '@vgp/platform';
import { completingRole } from '../domain/consultation-access.policy.js';
import { CompleteConsultationCommand } from './complete-consultation.command.js';
import { ConsultationCommandRunner, type WriteResult } from './consultation-command.runner.js';
import { roleOrNotFound } from './role-or-not-found.js';

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
