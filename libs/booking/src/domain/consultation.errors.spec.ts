import { DomainError, type ErrorKind } from '@vgp/domain';
import {
  ClinicianDoubleBooked,
  ConsultationAlreadyBooked,
  ConsultationClosed,
  ConsultationNotFound,
  IdempotencyKeyReused,
  InvalidDuration,
  NotAllowedToBook,
  NotAllowedToComplete,
  PatientDoubleBooked,
  PatientIsClinician,
  StartInThePast,
} from './consultation.errors.js';

// The problem types and kinds (hence statuses) clients have seen so far; changing one breaks them.
const cases: [DomainError, string, ErrorKind, string][] = [
  [new ConsultationNotFound(), 'consultation-not-found', 'not_found', 'Consultation not found'],
  [new ClinicianDoubleBooked('c-2'), 'clinician-double-booked', 'conflict', 'Clinician already booked'],
  [new PatientDoubleBooked('c-2'), 'patient-double-booked', 'conflict', 'Patient already booked'],
  [new ConsultationClosed('cancelled'), 'consultation-closed', 'conflict', 'Consultation closed'],
  [new ConsultationAlreadyBooked(), 'consultation-already-booked', 'conflict', 'Consultation already booked'],
  [new StartInThePast(), 'start-in-the-past', 'unprocessable', 'Start in the past'],
  [new InvalidDuration(), 'invalid-duration', 'unprocessable', 'Invalid duration'],
  [new PatientIsClinician(), 'patient-is-clinician', 'unprocessable', 'Patient is the clinician'],
  [new IdempotencyKeyReused(), 'idempotency-key-reused', 'unprocessable', 'Idempotency-Key reused'],
  [new NotAllowedToBook(), 'not-allowed-to-book', 'forbidden', 'Forbidden'],
  [new NotAllowedToComplete(), 'not-allowed-to-complete', 'forbidden', 'Forbidden'],
];

describe('booking refusals', () => {
  it.each(cases.map(([error, code, kind, title]) => [error.name, error, code, kind, title] as const))(
    '%s is %s',
    (_name, error, code, kind, title) => {
      expect(error).toBeInstanceOf(DomainError);
      expect({ code: error.code, kind: error.kind, title: error.title }).toEqual({ code, kind, title });
    },
  );

  it('says nothing about the clashing consultation to the caller', () => {
    const error = new ClinicianDoubleBooked('c-2');
    expect(error.detail).not.toContain('c-2');
    expect(error.extensions).toEqual({});
  });
});
