import { DomainError } from '@vgp/domain';

/** Only audio/* and video/* bodies are recordings. */
export class UnsupportedMediaType extends DomainError {
  readonly code = 'unsupported-media-type';
  readonly kind = 'unsupported_media_type';
  constructor() {
    super('Upload the recording as the raw body with Content-Type audio/* or video/* (for example audio/webm).');
  }
}

/** No call by that id is known here (or the id is malformed). */
export class CallNotFound extends DomainError {
  readonly code = 'call-not-found';
  readonly kind = 'not_found';
  constructor() {
    super('There is no such call.');
  }
}

/**
 * The uploader is neither the call's patient nor its clinician, or belongs to another clinic. A CallNotFound
 * (same code, title and detail), so that "not yours" cannot be told from "unknown".
 */
export class NotACallParticipant extends CallNotFound {}

/** Recordings are taken while the call runs; an ended call takes no more. */
export class CallEnded extends DomainError {
  readonly code = 'call-ended';
  readonly kind = 'conflict';
  constructor() {
    super('The call has ended; recordings are uploaded while it runs.', { title: 'Call ended' });
  }
}

/** The requested segment is not one of this call's segments. */
export class SegmentNotInCall extends DomainError {
  readonly code = 'segment-not-found';
  readonly kind = 'not_found';
  constructor() {
    super('This call has no such segment; omit segmentId to upload to the current one.');
  }
}

/** A video body for an audio segment (or the reverse) would store media the binding says does not exist. */
export class MediaModeMismatch extends DomainError {
  readonly code = 'media-mode-mismatch';
  readonly kind = 'conflict';
  constructor(
    readonly segmentMode: 'audio' | 'video',
    readonly segmentId: string,
  ) {
    super(`Segment ${segmentId} is ${segmentMode}; upload ${segmentMode}/* for it, or name the segment this recording belongs to.`, {
      title: 'Media mode mismatch',
      extensions: { segmentId, segmentMode },
    });
  }
}

// Neither conflict is the client's to fix, and neither says why: one answer for both.
const RECORDING_CONFLICT_DETAIL = 'This recording cannot be filed right now; contact support with the correlationId.';

/** The call names other people than the booking does: nothing is stored until that is resolved. */
export class CallBindingConflict extends DomainError {
  readonly code = 'recording-conflict';
  readonly kind = 'conflict';
  constructor() {
    super(RECORDING_CONFLICT_DETAIL);
  }
}

export class RecordingAlreadyStored extends DomainError {
  readonly code = 'recording-conflict';
  readonly kind = 'conflict';
  constructor() {
    super(RECORDING_CONFLICT_DETAIL);
  }
}

/** The bytes stored are not the bytes the uploader declared (X-Content-SHA256). */
export class ChecksumMismatch extends DomainError {
  readonly code = 'checksum-mismatch';
  readonly kind = 'invalid';
  constructor() {
    super('The bytes received do not match X-Content-SHA256; nothing was stored. Upload again.', { title: 'Checksum mismatch' });
  }
}

/** The body went past MAX_UPLOAD_BYTES while it was streamed; what was written is gone. */
export class UploadTooLarge extends DomainError {
  readonly code = 'upload-too-large';
  readonly kind = 'too_large';
  constructor(
    readonly maxBytes: number,
    cause?: unknown,
  ) {
    super(`Uploads are limited to ${maxBytes} bytes; nothing was stored.`, { extensions: { maxBytes }, cause });
  }
}

/** The event store failed after the bytes were stored; the bytes were removed again. */
export class RecordingNotRecorded extends DomainError {
  readonly code = 'store-unavailable';
  readonly kind = 'unavailable';
  constructor(cause?: unknown) {
    super('The recording could not be recorded and was not kept; upload it again shortly.', { cause });
  }
}
