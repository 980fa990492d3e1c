import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadataFactory } from '@vgp/platform';
import { managingRole } from '../domain/consultation-access.policy';
import { BOOKING_CLOCK, Clock } from './booking.tokens';
import { CancelConsultationCommand } from './cancel-consultation.command';
import { ConsultationWriter, WriteResult } from './consultation-writer';
import { roleOrNotFound } from './role-or-not-found';

@CommandHandler(CancelConsultationCommand)
export class CancelConsultationHandler implements ICommandHandler<CancelConsultationCommand, WriteResult> {
  constructor(
    private readonly writer: ConsultationWriter,
    private readonly metadata: EventMetadataFactory,
    @Inject(BOOKING_CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, consultationId, reason }: CancelConsultationCommand): Promise<WriteResult> {
    return this.writer.write({
      clinicId: caller.clinicId,
      consultationId,
      command: { type: 'CancelConsultation', consultationId, reason, now: this.clock() },
      authorize: (state) => roleOrNotFound(caller, state, managingRole),
      metadata: (role) => this.metadata.forUser(caller, role),
    });
  }
}
