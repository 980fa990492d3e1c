import { ObjectTooLarge } from '@vgp/object-store';
import { ProblemException } from '@vgp/platform';
import { RecordingNotRecorded } from '../application/store-recording.handler';
import {
  CallBindingConflict,
  CallEnded,
  CallNotFound,
  ChecksumMismatch,
  MediaModeMismatch,
  NotACallParticipant,
  RecordingAlreadyStored,
  SegmentNotInCall,
  UnsupportedMediaType,
} from '../domain/recording.errors';

/** One body for "unknown", "not yours" and "malformed id" alike, so they cannot be told apart. */
export const callNotFound = (): ProblemException =>
  new ProblemException(404, { type: 'call-not-found', title: 'Not Found', detail: 'There is no such call.' });

export const unsupportedMediaType = (): ProblemException =>
  new ProblemException(415, {
    type: 'unsupported-media-type',
    title: 'Unsupported Media Type',
    detail: 'Upload the recording as the raw body with Content-Type audio/* or video/* (for example audio/webm).',
  });

/** Maps what the recording rules, the object store and the event store refused to a problem; rethrows the rest. */
export const toHttpProblem = (error: unknown, maxUploadBytes: number): unknown => {
  if (error instanceof CallNotFound || error instanceof NotACallParticipant) return callNotFound();
  if (error instanceof UnsupportedMediaType) return unsupportedMediaType();
  if (error instanceof SegmentNotInCall) {
    return new ProblemException(404, {
      type: 'segment-not-found',
      title: 'Not Found',
      detail: 'This call has no such segment; omit segmentId to upload to the current one.',
    });
  }
  if (error instanceof CallEnded) {
    return new ProblemException(409, { type: 'call-ended', title: 'Call ended', detail: 'The call has ended; recordings are uploaded while it runs.' });
  }
  if (error instanceof MediaModeMismatch) {
    return new ProblemException(409, {
      type: 'media-mode-mismatch',
      title: 'Media mode mismatch',
      detail: `Segment ${error.segmentId} is ${error.segmentMode}; upload ${error.segmentMode}/* for it, or name the segment this recording belongs to.`,
      extensions: { segmentId: error.segmentId, segmentMode: error.segmentMode },
    });
  }
  if (error instanceof CallBindingConflict || error instanceof RecordingAlreadyStored) {
    return new ProblemException(409, { type: 'recording-conflict', title: 'Conflict', detail: 'This recording cannot be filed right now; contact support with the correlationId.' });
  }
  if (error instanceof ChecksumMismatch) {
    return new ProblemException(400, {
      type: 'checksum-mismatch',
      title: 'Checksum mismatch',
      detail: 'The bytes received do not match X-Content-SHA256; nothing was stored. Upload again.',
    });
  }
  if (error instanceof ObjectTooLarge) {
    return new ProblemException(413, {
      type: 'upload-too-large',
      title: 'Payload Too Large',
      detail: `Uploads are limited to ${maxUploadBytes} bytes; nothing was stored.`,
      extensions: { maxBytes: maxUploadBytes },
    });
  }
  if (error instanceof RecordingNotRecorded) {
    return new ProblemException(503, {
      type: 'event-store-unavailable',
      title: 'Service Unavailable',
      detail: 'The recording could not be recorded and was not kept; upload it again shortly.',
    });
  }
  return error;
};
