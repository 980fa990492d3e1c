import { HttpException } from '@nestjs/common';
import { EventStoreUnavailable, WrongExpectedRevision } from '@vgp/event-store';
import { ProblemException } from '@vgp/platform';
import { IdempotencyKeyReused } from '../application/booking.tokens';
import {
  BookingRuleViolation,
  ClinicianDoubleBooked,
  ConsultationAlreadyBooked,
  ConsultationClosed,
  ConsultationNotFound,
  InvalidDuration,
  NotAllowedToBook,
  NotAllowedToComplete,
  PatientDoubleBooked,
  PatientIsClinician,
  StartInThePast,
} from '../domain/consultation.errors';

/** One body for "no such consultation" and "not yours": nothing tells the two apart. */
export const consultationNotFound = (): ProblemException =>
  new ProblemException(404, {
    type: 'consultation-not-found',
    title: 'Consultation not found',
    detail: 'There is no consultation with this id that you may see.',
  });

const STATUS: [new (...args: never[]) => BookingRuleViolation, number, string][] = [
  [ClinicianDoubleBooked, 409, 'Clinician already booked'],
  [PatientDoubleBooked, 409, 'Patient already booked'],
  [ConsultationClosed, 409, 'Consultation closed'],
  [ConsultationAlreadyBooked, 409, 'Consultation already booked'],
  [StartInThePast, 422, 'Start in the past'],
  [InvalidDuration, 422, 'Invalid duration'],
  [PatientIsClinician, 422, 'Patient is the clinician'],
  [NotAllowedToBook, 403, 'Forbidden'],
  [NotAllowedToComplete, 403, 'Forbidden'],
];

/** Maps what the application threw to a problem; anything unknown stays a 500 (logged, never shown). */
export const toBookingProblem = (error: unknown): unknown => {
  if (error instanceof HttpException) return error;
  if (error instanceof ConsultationNotFound) return consultationNotFound();
  if (error instanceof BookingRuleViolation) {
    const [, status, title] = STATUS.find(([type]) => error instanceof type) ?? [BookingRuleViolation, 422, 'Booking refused'];
    return new ProblemException(status, { type: error.code, title, detail: error.message });
  }
  if (error instanceof IdempotencyKeyReused) {
    return new ProblemException(422, {
      type: 'idempotency-key-reused',
      title: 'Idempotency-Key reused',
      detail: 'This Idempotency-Key was already used with a different request body; use a new key for a new booking.',
    });
  }
  if (error instanceof WrongExpectedRevision) {
    return new ProblemException(409, { type: 'concurrent-update', title: 'Concurrent update', detail: 'The consultation changed while this request ran; retry it.' });
  }
  if (error instanceof EventStoreUnavailable) {
    return new ProblemException(503, { type: 'store-unavailable', title: 'Service unavailable', detail: 'Bookings cannot be stored right now; nothing was changed. Retry shortly.' });
  }
  return error;
};

/** Runs a use case and rethrows its failure as the problem the client should see. */
export const asProblem = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw toBookingProblem(error);
  }
};
