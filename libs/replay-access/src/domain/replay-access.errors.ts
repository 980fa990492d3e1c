import { DomainError } from '@vgp/domain';
import { type AccessEvent, findEvent } from './replay-access.events.js';

const NOT_FOUND = {
  recording: {
    code: 'recording-not-found',
    title: 'Recording not found',
    detail: 'No recording with this id is available to you. Use an id from GET /v1/replays.',
  },
  share: {
    code: 'share-not-found',
    title: 'Share not found',
    detail: 'No share with this id exists on a recording of yours.',
  },
  stream: {
    code: 'replay-stream-not-found',
    title: 'Replay stream not found',
    detail: 'This replay link is unknown or no longer valid. Request a new one with POST /v1/recordings/{id}/replay-grants.',
  },
} as const;

export type ReplayResource = keyof typeof NOT_FOUND;

/**
 * Unknown, not the caller's, or no longer accessible: one answer (code, title, detail) for all of them,
 * per resource, so an answer never tells them apart (invariant 2).
 */
export class ReplayResourceNotFound extends DomainError {
  readonly kind = 'not_found';
  readonly code: string;

  constructor(readonly resource: ReplayResource) {
    super(NOT_FOUND[resource].detail, { title: NOT_FOUND[resource].title });
    this.code = NOT_FOUND[resource].code;
  }
}

/**
 * The caller may not share or revoke here: the recording or share is unknown, or not theirs. It answers
 * exactly as the unknown resource does; `reason` and `patientId` are for the audit only.
 */
export class ShareRefused extends ReplayResourceNotFound {
  constructor(
    resource: 'recording' | 'share',
    readonly reason: 'not_found' | 'not_a_participant',
    /** The recording's patient when the recording exists. */
    readonly patientId: string | null,
  ) {
    super(resource);
  }
}

/** The operator's kill switch is on: every list, grant and stream is refused (and the refusal recorded). */
export class ReplayDisabled extends DomainError {
  readonly code = 'replay-disabled';
  readonly kind = 'unavailable';
  constructor() {
    super('Replays are switched off by the operator for now; nothing was sent. Try again later.', { title: 'Replay temporarily disabled' });
  }
}

/** The client address sent too many unknown stream tokens; nothing was looked at. */
export class ReplayRateLimited extends DomainError {
  readonly code = 'replay-stream-rate-limited';
  readonly kind = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many unknown replay links from your address. Wait for the time in Retry-After, then use a link from a new grant.', {
      title: 'Too Many Requests',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** A Range header that names no single range inside the body; nothing is sent. */
export class RangeNotSatisfiable extends DomainError {
  readonly code = 'range-not-satisfiable';
  readonly kind = 'range_not_satisfiable';
  constructor(readonly size: number) {
    super('Send one byte range within the recording: bytes=start-end, bytes=start- or bytes=-suffixLength.', {
      title: 'Range Not Satisfiable',
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
}

/** A share must end in the future and at most one year after it is given. */
export class InvalidShareWindow extends DomainError {
  readonly code = 'invalid-share-window';
  readonly kind = 'invalid';
  constructor() {
    super('`until` must be in the future and at most one year from now.', { title: 'Invalid request' });
  }
}

/** Sharing a recording with its own patient gives nothing and would only blur the audit. */
export class CannotShareWithOneself extends DomainError {
  readonly code = 'invalid-share-grantee';
  readonly kind = 'invalid';
  constructor() {
    super('`granteeId` must be someone other than the patient.', { title: 'Invalid request' });
  }
}

/** A share id is given once; share ids are minted by the server, so this is a collision, never a client's doing. */
export class ShareAlreadyExists extends DomainError {
  readonly code = 'share-exists';
  readonly kind = 'conflict';
  constructor(readonly shareId: string) {
    super('This share was given already; nothing was changed. Retry to give a new one.', { title: 'Conflict' });
  }
}

/**
 * The refusal a caller gets for decided access events without the one they asked for: the kill switch
 * says so, anything else answers as the unknown resource (deny by default).
 */
export const refusalOf = (events: readonly AccessEvent[], resource: ReplayResource): DomainError =>
  findEvent(events, 'ReplayDenied')?.data.reason === 'kill_switch' ? new ReplayDisabled() : new ReplayResourceNotFound(resource);
