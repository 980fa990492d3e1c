import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { type Clock, CLOCK } from '@vgp/platform';
import { bookingRole } from '../domain/consultation-access.policy.js';
import { NotAllowedToBook } from '../domain/consultation.errors.js';
import { BookConsultationCommand } from './book-consultation.command.js';
import { ConsultationCommandRunner, type WriteResult } from './consultation-command.runner.js';
import { deterministicUuid } from './deterministic-id.js';

@CommandHandler(BookConsultationCommand)
export class BookConsultationHandler implements ICommandHandler<BookConsultationCommand, WriteResult> {
  constructor(
    private readonly runner: ConsultationCommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, request, idempotencyKey }: BookConsultationCommand): Promise<WriteResult> {
    // With a key, the id is a function of who asked and the key, so a retry after a crash finds the first booking.
    const consultationId =
      idempotencyKey === undefined ? randomUUID() : deterministicUuid('booking-idempotency', caller.clinicId, caller.id, idempotencyKey);
    return this.runner.run({
      caller,
      command: { type: 'BookConsultation', consultationId, clinicId: caller.clinicId, ...request, idempotencyKey, now: this.clock() },
      authorize: () => {
        const role = bookingRole(caller, request);
        if (!role) throw new NotAllowedToBook();
        return role;
      },
    });
  }
}
