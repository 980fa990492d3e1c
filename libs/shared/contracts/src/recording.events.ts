import { z } from 'zod';
import { id, isoDate, mediaModeSchema } from './common.js';

/**
 * Integration events of the recording context (topic `recording.events`).
 * Every binding field is copied from booking facts and the call, never from the upload request.
 */
export const recordingEventSchemas = {
  RecordingStored: z.object({
    recordingId: id(),
    consultationId: id(),
    callId: id(),
    segmentId: id(),
    segmentSeq: z.number().int().positive(),
    clinicId: id(),
    patientId: id(),
    clinicianId: id(),
    mode: mediaModeSchema,
    contentType: z.string().min(1).max(100),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    objectKey: z.string().min(1).max(500),
    uploadedBy: id(),
    recordedAt: isoDate(),
  }),
} as const;
