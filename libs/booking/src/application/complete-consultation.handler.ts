import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadataFactory } from '@vgp/platform';
import { completingRole } from '../domain/consultation-access.policy';
import { BOOKING_CLOCK, Clock } from './booking.tokens';
import { CompleteConsultationCommand } from './complete-consultation.command';
import { ConsultationWriter, WriteResult } from './consultation-writer';
import { roleOrNotFound } from './role-or-not-found';

@CommandHandler(CompleteConsultationCommand)
export class CompleteConsultationHandler implements ICommandHandler<CompleteConsultationCommand, WriteResult> {
  constructor(
    private readonly writer: ConsultationWriter,
    private readonly metadata: EventMetadataFactory,
    @Inject(BOOKING_CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId }: CompleteConsultationCommand): Promise<WriteResult> {
    return this.writer.write({
      clinicId: caller.clinicId,
      consultationId,
      command: { type: 'CompleteConsultation', consultationId, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, completingRole),
      metadata: (role) => this.metadata.forUser(caller, role),
    });
  }
}
