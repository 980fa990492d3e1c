/** A Range header that names no single range inside the body; nothing is sent (HTTP 416). */
export class RangeNotSatisfiable extends Error {
  constructor(readonly size: number) {
    super('the requested range is not satisfiable');
    this.name = 'RangeNotSatisfiable';
  }
}

/**
 * The caller may not share or revoke here: the recording or share is unknown, or not theirs.
 * One error for both, so nothing downstream can answer them differently.
 */
export class ShareRefused extends Error {
  constructor(
    readonly reason: 'not_found' | 'not_a_participant',
    /** For the audit only: the recording's patient when the recording exists. */
    readonly patientId: string | null,
  ) {
    super('share refused');
    this.name = 'ShareRefused';
  }
}

/** A share must end in the future and at most one year after it is given. */
export class InvalidShareWindow extends Error {
  constructor() {
    super('a share must end after now and at most one year from now');
    this.name = 'InvalidShareWindow';
  }
}

/** Sharing a recording with its own patient gives nothing and would only blur the audit. */
export class CannotShareWithOneself extends Error {
  constructor() {
    super('a patient cannot share a recording with themselves');
    this.name = 'CannotShareWithOneself';
  }
}
