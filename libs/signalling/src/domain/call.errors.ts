/** A command the call's rules refuse. The API layer maps each class to a status or a WebSocket error code. */
export abstract class CallRuleViolation extends Error {
  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No consultation (or call) by that id is known here. Answered exactly like NotACallParticipant. */
export class UnknownConsultation extends CallRuleViolation {
  constructor() {
    super('no such consultation');
  }
}

export class CallNotFound extends CallRuleViolation {
  constructor() {
    super('no such call');
  }
}

/** The caller is neither the booked patient nor the booked clinician, or belongs to another clinic. */
export class NotACallParticipant extends CallRuleViolation {
  constructor() {
    super('the caller is not a participant of this consultation');
  }
}

/** Joining is possible only from `opensAt` to `closesAt` (the booked slot widened by the grace period). */
export class OutsideBookedWindow extends CallRuleViolation {
  constructor(
    readonly opensAt: string,
    readonly closesAt: string,
  ) {
    super(`calls for this consultation are open from ${opensAt} to ${closesAt}`);
  }
}

/** The consultation was cancelled or completed: no call may start or be joined. */
export class ConsultationClosed extends CallRuleViolation {
  constructor(readonly status: 'cancelled' | 'completed') {
    super(`the consultation is ${status}`);
  }
}

export class CallAlreadyEnded extends CallRuleViolation {
  constructor() {
    super('the call has ended');
  }
}

/** A consultation has at most one active call; this is the one to join. */
export class CallAlreadyActive extends CallRuleViolation {
  constructor(readonly callId: string) {
    super('the consultation already has an active call');
  }
}

/** The server chose a call id that is already taken (never expected with fresh uuids). */
export class CallAlreadyExists extends CallRuleViolation {
  constructor() {
    super('a call with this id already exists');
  }
}
