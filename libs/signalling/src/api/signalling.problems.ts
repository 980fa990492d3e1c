import { ConflictException } from '@nestjs/common';
import { EventStoreUnavailable, WrongExpectedRevision } from '@vgp/event-store';
import { ProblemException } from '@vgp/platform';
import {
  CallAlreadyEnded,
  CallNotFound,
  CallRuleViolation,
  ConsultationClosed,
  NotACallParticipant,
  OutsideBookedWindow,
  UnknownConsultation,
} from '../domain/call.errors';

/** One body for "unknown", "not yours" and "malformed id" alike, so they cannot be told apart. */
export const consultationNotFound = (): ProblemException =>
  new ProblemException(404, { type: 'consultation-not-found', title: 'Not Found', detail: 'There is no such consultation.' });

export const callNotFound = (): ProblemException =>
  new ProblemException(404, { type: 'call-not-found', title: 'Not Found', detail: 'There is no such call.' });

/** Maps what the call's rules and the event store refused to an HTTP problem; anything else is rethrown. */
export const toHttpProblem = (error: unknown, notFound: () => ProblemException): unknown => {
  if (error instanceof UnknownConsultation || error instanceof NotACallParticipant || error instanceof CallNotFound) return notFound();
  if (error instanceof OutsideBookedWindow) {
    return new ProblemException(409, {
      type: 'outside-booked-window',
      title: 'Outside the booked time',
      detail: `Joining this consultation's call opens at ${error.opensAt} and closes at ${error.closesAt}.`,
      extensions: { opensAt: error.opensAt, closesAt: error.closesAt },
    });
  }
  if (error instanceof ConsultationClosed) {
    return new ProblemException(409, {
      type: 'consultation-closed',
      title: 'Consultation closed',
      detail: `The consultation is ${error.status}; book a new one to call.`,
    });
  }
  if (error instanceof CallAlreadyEnded) {
    return new ProblemException(409, { type: 'call-ended', title: 'Call ended', detail: 'The call has ended; start a new one.' });
  }
  if (error instanceof CallRuleViolation) {
    return new ConflictException({ type: 'call-conflict', title: 'Conflict', detail: 'The call changed meanwhile; retry.' });
  }
  if (error instanceof WrongExpectedRevision) {
    return new ProblemException(409, { type: 'concurrent-change', title: 'Conflict', detail: 'The call changed meanwhile; retry.' });
  }
  if (error instanceof EventStoreUnavailable) {
    return new ProblemException(503, {
      type: 'event-store-unavailable',
      title: 'Service Unavailable',
      detail: 'Nothing was recorded because storage is unavailable; retry shortly.',
    });
  }
  return error;
};
