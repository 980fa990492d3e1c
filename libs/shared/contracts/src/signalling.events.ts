import { z } from 'zod';
import { id, mediaModeSchema } from './common.js';

const participantRole = z.enum(['patient', 'clinician']);

/**
 * Integration events of the signalling context (topic `call.events`).
 * A segment is one stretch of a call in one media mode; a mode switch closes the open
 * segment and opens the next one of the same call and the same consultation.
 */
export const callEventSchemas = {
  CallStarted: z.object({
    callId: id(),
    consultationId: id(),
    clinicId: id(),
    patientId: id(),
    clinicianId: id(),
    mode: mediaModeSchema,
    segmentId: id(),
    startedBy: id(),
  }),
  ParticipantJoined: z.object({ callId: id(), consultationId: id(), userId: id(), role: participantRole }),
  ParticipantLeft: z.object({ callId: id(), consultationId: id(), userId: id(), role: participantRole }),
  MediaModeSwitched: z.object({
    callId: id(),
    consultationId: id(),
    from: mediaModeSchema,
    to: mediaModeSchema,
    closedSegmentId: id(),
    segmentId: id(),
    segmentSeq: z.number().int().positive(),
    switchedBy: id(),
  }),
  CallEnded: z.object({
    callId: id(),
    consultationId: id(),
    lastSegmentId: id(),
    reason: z.enum(['hangup', 'all_left', 'consultation_cancelled', 'timeout']),
  }),
} as const;
