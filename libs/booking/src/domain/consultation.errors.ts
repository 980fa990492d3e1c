import { DomainError } from '@vgp/domain';

/**
 * No such consultation, or one the caller may not see: invariant 2 needs both to answer the same body,
 * so there is one error for both and its detail says nothing about which it was.
 */
export class ConsultationNotFound extends DomainError {
  readonly code = 'consultation-not-found';
  readonly kind = 'not_found';
  constructor() {
    super('There is no consultation with this id that you may see.', { title: 'Consultation not found' });
  }
}

export class ConsultationAlreadyBooked extends DomainError {
  readonly code = 'consultation-already-booked';
  readonly kind = 'conflict';
  constructor() {
    super('This consultation is already booked.', { title: 'Consultation already booked' });
  }
}

/** The id of the clashing consultation stays on the error, for logs only: the caller may not see it. */
export class ClinicianDoubleBooked extends DomainError {
  readonly code = 'clinician-double-booked';
  readonly kind = 'conflict';
  constructor(readonly conflictingConsultationId: string) {
    super('The clinician already has a consultation at that time.', { title: 'Clinician already booked' });
  }
}

export class PatientDoubleBooked extends DomainError {
  readonly code = 'patient-double-booked';
  readonly kind = 'conflict';
  constructor(readonly conflictingConsultationId: string) {
    super('The patient already has a consultation at that time.', { title: 'Patient already booked' });
  }
}

export class StartInThePast extends DomainError {
  readonly code = 'start-in-the-past';
  readonly kind = 'unprocessable';
  constructor() {
    super('A consultation must start in the future.', { title: 'Start in the past' });
  }
}

export class PatientIsClinician extends DomainError {
  readonly code = 'patient-is-clinician';
  readonly kind = 'unprocessable';
  constructor() {
    super('The patient and the clinician must be different people.', { title: 'Patient is the clinician' });
  }
}

export class InvalidDuration extends DomainError {
  readonly code = 'invalid-duration';
  readonly kind = 'unprocessable';
  constructor() {
    super('A consultation lasts from 5 to 240 whole minutes.', { title: 'Invalid duration' });
  }
}

/** Cancelled or completed: nothing about it can change any more. */
export class ConsultationClosed extends DomainError {
  readonly code = 'consultation-closed';
  readonly kind = 'conflict';
  constructor(readonly status: 'cancelled' | 'completed') {
    super(`The consultation is ${status} and can no longer change.`, { title: 'Consultation closed' });
  }
}

/** A booking repeated under the same Idempotency-Key with a different body. */
export class IdempotencyKeyReused extends DomainError {
  readonly code = 'idempotency-key-reused';
  readonly kind = 'unprocessable';
  constructor() {
    super('This Idempotency-Key was already used with a different request body; use a new key for a new booking.', {
      title: 'Idempotency-Key reused',
    });
  }
}

/** None of the caller's roles lets them book for this patient and clinician. */
export class NotAllowedToBook extends DomainError {
  readonly code = 'not-allowed-to-book';
  readonly kind = 'forbidden';
  constructor() {
    super(
      'Patients book only for themselves, clinicians only with themselves as the clinician; clinic admins book for anyone in their clinic.',
      {
        title: 'Forbidden',
      },
    );
  }
}

/** The caller may see the consultation but not complete it (its patient). */
export class NotAllowedToComplete extends DomainError {
  readonly code = 'not-allowed-to-complete';
  readonly kind = 'forbidden';
  constructor() {
    super('Only the clinician of the consultation or a clinic admin may complete it.', { title: 'Forbidden' });
  }
}
