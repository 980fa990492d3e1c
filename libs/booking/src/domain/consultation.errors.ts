/** A rejected booking command; the API layer maps each class to an HTTP status. */
export abstract class BookingRuleViolation extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ConsultationNotFound extends BookingRuleViolation {
  readonly code = 'consultation-not-found';
  constructor() {
    super('There is no such consultation.');
  }
}

export class ConsultationAlreadyBooked extends BookingRuleViolation {
  readonly code = 'consultation-already-booked';
  constructor() {
    super('This consultation is already booked.');
  }
}

export class ClinicianDoubleBooked extends BookingRuleViolation {
  readonly code = 'clinician-double-booked';
  constructor(readonly conflictingConsultationId: string) {
    super('The clinician already has a consultation at that time.');
  }
}

export class PatientDoubleBooked extends BookingRuleViolation {
  readonly code = 'patient-double-booked';
  constructor(readonly conflictingConsultationId: string) {
    super('The patient already has a consultation at that time.');
  }
}

export class StartInThePast extends BookingRuleViolation {
  readonly code = 'start-in-the-past';
  constructor() {
    super('A consultation must start in the future.');
  }
}

export class PatientIsClinician extends BookingRuleViolation {
  readonly code = 'patient-is-clinician';
  constructor() {
    super('The patient and the clinician must be different people.');
  }
}

export class InvalidDuration extends BookingRuleViolation {
  readonly code = 'invalid-duration';
  constructor() {
    super('A consultation lasts from 5 to 240 whole minutes.');
  }
}

/** Cancelled or completed: nothing about it can change any more. */
export class ConsultationClosed extends BookingRuleViolation {
  readonly code = 'consultation-closed';
  constructor(readonly status: 'cancelled' | 'completed') {
    super(`The consultation is ${status} and can no longer change.`);
  }
}

/** None of the caller's roles lets them book for this patient and clinician. */
export class NotAllowedToBook extends BookingRuleViolation {
  readonly code = 'not-allowed-to-book';
  constructor() {
    super('Patients book only for themselves, clinicians only with themselves as the clinician; clinic admins book for anyone in their clinic.');
  }
}

/** The caller may see the consultation but not complete it (its patient). */
export class NotAllowedToComplete extends BookingRuleViolation {
  readonly code = 'not-allowed-to-complete';
  constructor() {
    super('Only the clinician of the consultation or a clinic admin may complete it.');
  }
}
