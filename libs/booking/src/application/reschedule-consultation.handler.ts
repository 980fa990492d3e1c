import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, CLOCK } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy';
import { ConsultationCommandRunner, WriteResult } from './consultation-command.runner';
import { RescheduleConsultationCommand } from './reschedule-consultation.command';
import { roleOrNotFound } from './role-or-not-found';

@CommandHandler(RescheduleConsultationCommand)
export class RescheduleConsultationHandler implements ICommandHandler<RescheduleConsultationCommand, WriteResult> {
  constructor(
    private readonly runner: ConsultationCommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId, startsAt, durationMinutes }: RescheduleConsultationCommand): Promise<WriteResult> {
    return this.runner.run({
      caller,
      command: { type: 'RescheduleConsultation', consultationId, startsAt, durationMinutes, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, managingRole),
    });
  }
}
