import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Clock, CLOCK } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy.js';
import { ConsultationCommandRunner, type WriteResult } from './consultation-command.runner.js';
import { RescheduleConsultationCommand } from './reschedule-consultation.command.js';
import { roleOrNotFound } from './role-or-not-found.js';

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
