/** An upload the recording rules refuse. The API layer maps each class to a status. */
export abstract class RecordingRuleViolation extends Error {
  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Only audio/* and video/* bodies are recordings. */
export class UnsupportedMediaType extends RecordingRuleViolation {
  constructor() {
    super('recordings are audio/* or video/*');
  }
}

/** No call by that id is known here. Answered exactly like NotACallParticipant. */
export class CallNotFound extends RecordingRuleViolation {
  constructor() {
    super('no such call');
  }
}

/** The uploader is neither the call's patient nor its clinician, or belongs to another clinic. */
export class NotACallParticipant extends RecordingRuleViolation {
  constructor() {
    super('the uploader is not a participant of this call');
  }
}

/** Recordings are taken while the call runs; an ended call takes no more. */
export class CallEnded extends RecordingRuleViolation {
  constructor() {
    super('the call has ended');
  }
}

/** The requested segment is not one of this call's segments. */
export class SegmentNotInCall extends RecordingRuleViolation {
  constructor() {
    super('no such segment in this call');
  }
}

/** A video body for an audio segment (or the reverse) would store media the binding says does not exist. */
export class MediaModeMismatch extends RecordingRuleViolation {
  constructor(
    readonly segmentMode: 'audio' | 'video',
    readonly segmentId: string,
  ) {
    super(`the segment is ${segmentMode}`);
  }
}

/** The call names other people than the booking does: nothing is stored until that is resolved. */
export class CallBindingConflict extends RecordingRuleViolation {
  constructor() {
    super('the call does not match its booking');
  }
}

export class RecordingAlreadyStored extends RecordingRuleViolation {
  constructor() {
    super('a recording with this id already exists');
  }
}

/** The bytes stored are not the bytes the uploader declared (X-Content-SHA256). */
export class ChecksumMismatch extends RecordingRuleViolation {
  constructor() {
    super('the stored bytes do not match the declared SHA-256');
  }
}
