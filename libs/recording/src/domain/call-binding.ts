import { CallEventData, ConsultationEventData, DomainEvent, MediaMode } from '@vgp/contracts';

export type SegmentFact = { segmentId: string; seq: number; mode: MediaMode };

/** What signalling told us about a call (from its integration events). */
export type CallFact = {
  callId: string;
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  status: 'active' | 'ended';
  segments: SegmentFact[];
  currentSegmentId: string;
};

/** Who booking says the consultation is between. */
export type BookingFact = { consultationId: string; clinicId: string; patientId: string; clinicianId: string };

/**
 * The fact an upload is decided against: the call's segments and status, bound to the booking's
 * clinic, patient and clinician. `consistent` is false when the call names other people than the booking.
 */
export type CallBinding = CallFact & { consistent: boolean };

type Ev<M, K extends keyof M> = DomainEvent<K & string, M[K]>;
export type CallFactEvent =
  | Ev<CallEventData, 'CallStarted'>
  | Ev<CallEventData, 'MediaModeSwitched'>
  | Ev<CallEventData, 'CallEnded'>
  | Ev<CallEventData, 'ParticipantJoined'>
  | Ev<CallEventData, 'ParticipantLeft'>;
export type BookingFactEvent = Ev<ConsultationEventData, 'ConsultationBooked'>;

/** Folds one call event into the call's fact; events of a call not yet started are ignored. */
export const evolveCallFact = (fact: CallFact | undefined, event: CallFactEvent): CallFact | undefined => {
  switch (event.type) {
    case 'CallStarted': {
      const { callId, consultationId, clinicId, patientId, clinicianId, mode, segmentId } = event.data;
      // A redelivered start must not reset the segments the call has opened since.
      if (fact) return fact;
      return {
        callId,
        consultationId,
        clinicId,
        patientId,
        clinicianId,
        status: 'active',
        segments: [{ segmentId, seq: 1, mode }],
        currentSegmentId: segmentId,
      };
    }
    case 'MediaModeSwitched': {
      if (!fact || fact.segments.some((s) => s.segmentId === event.data.segmentId)) return fact;
      const { segmentId, segmentSeq, to } = event.data;
      const segments = [...fact.segments, { segmentId, seq: segmentSeq, mode: to }];
      return { ...fact, segments, currentSegmentId: segmentId };
    }
    case 'CallEnded':
      return fact && { ...fact, status: 'ended' };
    default:
      return fact;
  }
};

export const bookingFactOf = (event: BookingFactEvent): BookingFact => {
  const { consultationId, clinicId, patientId, clinicianId } = event.data;
  return { consultationId, clinicId, patientId, clinicianId };
};

/** Booking is the source of truth for who a consultation is between; the call must agree with it. */
export const bindingOf = (call: CallFact, booking: BookingFact | undefined): CallBinding => {
  if (!booking) return { ...call, consistent: true };
  const consistent =
    booking.consultationId === call.consultationId &&
    booking.clinicId === call.clinicId &&
    booking.patientId === call.patientId &&
    booking.clinicianId === call.clinicianId;
  return { ...call, clinicId: booking.clinicId, patientId: booking.patientId, clinicianId: booking.clinicianId, consistent };
};
