import { DomainError } from '@vgp/domain';

// "Unknown" and "not yours" must be indistinguishable: both answer with these codes and details.
const NOT_FOUND = {
  consultation: { code: 'consultation-not-found', detail: 'There is no such consultation.' },
  call: { code: 'call-not-found', detail: 'There is no such call.' },
} as const;

/** No consultation by that id is known here. Answered exactly like NotACallParticipant. */
export class UnknownConsultation extends DomainError {
  readonly code = NOT_FOUND.consultation.code;
  readonly kind = 'not_found';
  constructor() {
    super(NOT_FOUND.consultation.detail);
  }
}

export class CallNotFound extends DomainError {
  readonly code = NOT_FOUND.call.code;
  readonly kind = 'not_found';
  constructor() {
    super(NOT_FOUND.call.detail);
  }
}

/**
 * The caller is neither the booked patient nor the booked clinician, or belongs to another clinic: told
 * exactly what an unknown id is told, for the consultation (starting a call) or the call (everything else).
 */
export class NotACallParticipant extends DomainError {
  readonly code: string;
  readonly kind = 'not_found';
  constructor(readonly of: keyof typeof NOT_FOUND) {
    super(NOT_FOUND[of].detail);
    this.code = NOT_FOUND[of].code;
  }
}

/** Joining is possible only from `opensAt` to `closesAt` (the booked slot widened by the grace period). */
export class OutsideBookedWindow extends DomainError {
  readonly code = 'outside-booked-window';
  readonly kind = 'conflict';
  constructor(
    readonly opensAt: string,
    readonly closesAt: string,
  ) {
    super(`Joining this consultation's call opens at ${opensAt} and closes at ${closesAt}.`, {
      title: 'Outside the booked time',
      extensions: { opensAt, closesAt },
    });
  }
}

/** The consultation was cancelled or completed: no call may start or be joined. */
export class ConsultationClosed extends DomainError {
  readonly code = 'consultation-closed';
  readonly kind = 'conflict';
  constructor(readonly status: 'cancelled' | 'completed') {
    super(`The consultation is ${status}; book a new one to call.`, { title: 'Consultation closed' });
  }
}

export class CallAlreadyEnded extends DomainError {
  readonly code = 'call-ended';
  readonly kind = 'conflict';
  constructor() {
    super('The call has ended; start a new one.', { title: 'Call ended' });
  }
}

const CALL_CONFLICT_DETAIL = 'The call changed meanwhile; retry.';

/** A consultation has at most one active call; this is the one to join (the start handler answers with it). */
export class CallAlreadyActive extends DomainError {
  readonly code = 'call-conflict';
  readonly kind = 'conflict';
  constructor(readonly callId: string) {
    super(CALL_CONFLICT_DETAIL);
  }
}

/** The server chose a call id that is already taken (never expected with fresh uuids). */
export class CallAlreadyExists extends DomainError {
  readonly code = 'call-conflict';
  readonly kind = 'conflict';
  constructor() {
    super(CALL_CONFLICT_DETAIL);
  }
}

/** The relay between signalling replicas did not take a frame: the sender may retry shortly. */
export class SignallingRelayUnavailable extends DomainError {
  readonly code = 'signalling-relay-unavailable';
  readonly kind = 'unavailable';
  constructor() {
    super('Signalling is briefly unavailable; send the message again shortly.', { title: 'Signalling unavailable' });
  }
}
