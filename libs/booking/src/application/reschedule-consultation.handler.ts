import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadataFactory } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy';
import { BOOKING_CLOCK, Clock } from './booking.tokens';
import { ConsultationWriter, WriteResult } from './consultation-writer';
import { RescheduleConsultationCommand } from './reschedule-consultation.command';
import { roleOrNotFound } from './role-or-not-found';

@CommandHandler(RescheduleConsultationCommand)
export class RescheduleConsultationHandler implements ICommandHandler<RescheduleConsultationCommand, WriteResult> {
  constructor(
    private readonly writer: ConsultationWriter,
    private readonly metadata: EventMetadataFactory,
    @Inject(BOOKING_CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId, startsAt, durationMinutes }: RescheduleConsultationCommand): Promise<WriteResult> {
    return this.writer.write({
      clinicId: caller.clinicId,
      consultationId,
      command: { type: 'RescheduleConsultation', consultationId, startsAt, durationMinutes, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, managingRole),
      metadata: (role) => this.metadata.forUser(caller, role),
    });
  }
}
