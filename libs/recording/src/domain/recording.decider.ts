import { type DomainEvent, type MediaMode, type RecordingEventData } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';
import { type CallBinding, type SegmentFact } from './call-binding.js';
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
} from './recording.errors.js';

/**
 * What the uploader may say: which call (from the path), optionally which of its segments, and the
 * media type. The uploader's id and clinic come from the verified token. Nothing here can name a
 * consultation, a patient or a clinician: those come only from the CallBinding.
 */
export type UploadRequest = {
  callId: string;
  uploaderId: string;
  uploaderClinicId: string;
  requestedSegmentId?: string;
  contentType: string;
};

export type StoreRecording = UploadRequest & {
  type: 'StoreRecording';
  recordingId: string;
  sha256: string;
  bytes: number;
  objectKey: string;
  /** The digest the uploader declared, if any; the stored bytes must match it. */
  declaredSha256?: string;
  now: Date;
};

export type RecordingStored = DomainEvent<'RecordingStored', RecordingEventData['RecordingStored']>;
export type RecordingEvent = RecordingStored;

export type RecordingState = { status: 'none' } | { status: 'stored'; recording: RecordingStored['data'] };

export type UploadTarget = {
  binding: CallBinding;
  segment: SegmentFact;
  uploaderRole: 'patient' | 'clinician';
  contentType: string;
};

const MEDIA_TYPE = /^(audio|video)\/[a-z0-9][a-z0-9.+-]{0,80}$/;

/** `Audio/WebM; codecs=opus` → `audio/webm`; null unless it is audio/* or video/*. */
export const mediaTypeOf = (contentType: string | undefined): string | null => {
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : null;
};

const kindOf = (mediaType: string): MediaMode => (mediaType.startsWith('video/') ? 'video' : 'audio');

/**
 * Where an upload goes, checked before a single byte is read: the call must exist, the uploader
 * must be its patient or clinician (else the same "not found"), the call must be running, and the
 * segment must be one of this call's (the current one unless named) in the body's media kind.
 */
export const planUpload = (request: UploadRequest, binding: CallBinding | null): UploadTarget => {
  const contentType = mediaTypeOf(request.contentType);
  if (!contentType) throw new UnsupportedMediaType();
  if (!binding || binding.callId !== request.callId) throw new CallNotFound();
  if (request.uploaderClinicId !== binding.clinicId) throw new NotACallParticipant();
  const uploaderRole =
    request.uploaderId === binding.patientId ? 'patient' : request.uploaderId === binding.clinicianId ? 'clinician' : null;
  if (!uploaderRole) throw new NotACallParticipant();
  if (!binding.consistent) throw new CallBindingConflict();
  if (binding.status !== 'active') throw new CallEnded();
  const segmentId = request.requestedSegmentId ?? binding.currentSegmentId;
  const segment = binding.segments.find((s) => s.segmentId === segmentId);
  if (!segment) throw new SegmentNotInCall();
  if (kindOf(contentType) !== segment.mode) throw new MediaModeMismatch(segment.mode, segment.segmentId);
  return { binding, segment, uploaderRole, contentType };
};

/** Decided against the call as it is once the bytes are in (it may have ended or switched meanwhile). */
const decide = (command: StoreRecording, state: RecordingState, binding: CallBinding | null): RecordingEvent[] => {
  if (state.status !== 'none') throw new RecordingAlreadyStored();
  const { binding: call, segment, contentType } = planUpload(command, binding);
  if (command.declaredSha256 !== undefined && command.declaredSha256.toLowerCase() !== command.sha256) throw new ChecksumMismatch();
  return [
    {
      type: 'RecordingStored',
      data: {
        recordingId: command.recordingId,
        consultationId: call.consultationId,
        callId: call.callId,
        segmentId: segment.segmentId,
        segmentSeq: segment.seq,
        clinicId: call.clinicId,
        patientId: call.patientId,
        clinicianId: call.clinicianId,
        mode: segment.mode,
        contentType,
        bytes: command.bytes,
        sha256: command.sha256,
        objectKey: command.objectKey,
        uploadedBy: command.uploaderId,
        recordedAt: command.now.toISOString(),
      },
    },
  ];
};

const evolve = (_state: RecordingState, event: RecordingEvent): RecordingState => ({ status: 'stored', recording: event.data });

/** One recording per stream; the call it is bound to is the fact the server looked up. */
export const recordingDecider: Decider<StoreRecording, RecordingEvent, RecordingState, CallBinding | null> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
