import { type BookingFact, type CallEventData, type DomainEvent, type MediaMode } from '@vgp/contracts';

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

/**
 * The fact an upload is decided against: the call's segments and status, bound to the booking's
 * clinic, patient and clinician. `consistent` is false when the call names other people than the booking.
 */
export type CallBinding = CallFact & { consistent: boolean };

/** The call events that bind an upload; who joined or left a call is not recording's business. */
export const CALL_FACT_EVENT_TYPES = ['CallStarted', 'MediaModeSwitched', 'CallEnded'] as const;

export type CallFactEvent = {
  [K in (typeof CALL_FACT_EVENT_TYPES)[number]]: DomainEvent<K, CallEventData[K]>;
}[(typeof CALL_FACT_EVENT_TYPES)[number]];

/** Folds one call event into the call's fact; events of a call not yet started are ignored. */
export const evolveCallFact = (fact: CallFact | null, event: CallFactEvent): CallFact | null => {
  switch (event.type) {
    case 'CallStarted': {
      // A redelivered start must not reset the segments the call has opened since.
      if (fact) return fact;
      const { callId, consultationId, clinicId, patientId, clinicianId, mode, segmentId } = event.data;
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
  }
};

/** Booking is the source of truth for who a consultation is between; the call must agree with it. */
export const bindingOf = (call: CallFact, booking: BookingFact | null): CallBinding => {
  if (!booking) return { ...call, consistent: true };
  const consistent =
    booking.consultationId === call.consultationId &&
    booking.clinicId === call.clinicId &&
    booking.patientId === call.patientId &&
    booking.clinicianId === call.clinicianId;
  return { ...call, clinicId: booking.clinicId, patientId: booking.patientId, clinicianId: booking.clinicianId, consistent };
};
