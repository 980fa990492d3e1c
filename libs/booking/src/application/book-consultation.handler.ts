import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { EventMetadataFactory } from '@vgp/platform';
import type { StoredEvent } from '@vgp/event-store';
import { BookedConsultation } from '../domain/consultation.decider';
import { bookingRole } from '../domain/consultation-access.policy';
import { ConsultationAlreadyBooked, NotAllowedToBook } from '../domain/consultation.errors';
import { deterministicUuid } from '../infrastructure/deterministic-id';
import { BookConsultationCommand, BookingRequest } from './book-consultation.command';
import { BOOKING_CLOCK, Clock, IdempotencyKeyReused } from './booking.tokens';
import { ConsultationWriter, WriteResult } from './consultation-writer';

@CommandHandler(BookConsultationCommand)
export class BookConsultationHandler implements ICommandHandler<BookConsultationCommand, WriteResult> {
  constructor(
    private readonly writer: ConsultationWriter,
    private readonly metadata: EventMetadataFactory,
    @Inject(BOOKING_CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caller, request, idempotencyKey }: BookConsultationCommand): Promise<WriteResult> {
    // With a key, the id is a function of who asked and the key, so a retry after a crash finds the first booking.
    const consultationId =
      idempotencyKey === undefined ? randomUUID() : deterministicUuid('booking-idempotency', caller.clinicId, caller.id, idempotencyKey);
    return this.writer.write({
      clinicId: caller.clinicId,
      consultationId,
      command: { type: 'BookConsultation', consultationId, clinicId: caller.clinicId, ...request, now: this.clock() },
      authorize: () => {
        const role = bookingRole(caller, request);
        if (!role) throw new NotAllowedToBook();
        return role;
      },
      metadata: (role) => this.metadata.forUser(caller, role),
      alreadyDone: (stored) => {
        if (idempotencyKey === undefined) throw new ConsultationAlreadyBooked();
        if (!sameBooking(stored[0], caller.clinicId, request)) throw new IdempotencyKeyReused();
        return true;
      },
    });
  }
}

/** The first event of the stream is the booking as first requested, whatever happened to it since. */
const sameBooking = (first: StoredEvent, clinicId: string, request: BookingRequest): boolean => {
  if (first.type !== 'ConsultationBooked') return false;
  const booked = first.data as BookedConsultation;
  return (
    booked.clinicId === clinicId &&
    booked.patientId === request.patientId &&
    booked.clinicianId === request.clinicianId &&
    Date.parse(booked.startsAt) === Date.parse(request.startsAt) &&
    booked.durationMinutes === request.durationMinutes &&
    booked.mode === request.mode
  );
};
