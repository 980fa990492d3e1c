/** What the HTTP edge needs to tell apart; each maps to one problem. */

/** Unknown, not the caller's, or no longer accessible: one answer for all of them. */
export class ReplayResourceNotFound extends Error {
  constructor(readonly resource: 'recording' | 'share' | 'stream') {
    super(`${resource} not found`);
    this.name = 'ReplayResourceNotFound';
  }
}

export class ReplayKillSwitchEngaged extends Error {
  constructor() {
    super('replay access is switched off');
    this.name = 'ReplayKillSwitchEngaged';
  }
}

/** The audit event could not be appended, so the request is denied (write-ahead audit). */
export class ReplayAuditUnavailable extends Error {
  constructor(override readonly cause?: unknown) {
    super('the audit event could not be recorded');
    this.name = 'ReplayAuditUnavailable';
  }
}

/** A concurrent change to the same share won twice in a row. */
export class ReplayConflict extends Error {
  constructor() {
    super('the share changed concurrently');
    this.name = 'ReplayConflict';
  }
}

/** The client address sent too many unknown stream tokens; nothing was looked at. */
export class ReplayRateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many unknown replay stream tokens from this address');
    this.name = 'ReplayRateLimited';
  }
}
