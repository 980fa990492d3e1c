import type { ConsultationEventData } from './events.js';
import type { DomainEvent } from './envelope.js';

/** What booking says about one consultation: who it is between, when, and whether it still stands. Facts only, no policy. */
export type BookingFact = ConsultationEventData['ConsultationBooked'] & { status: 'booked' | 'cancelled' | 'completed' };

export const BOOKING_FACT_EVENT_TYPES = [
  'ConsultationBooked',
  'ConsultationRescheduled',
  'ConsultationCancelled',
  'ConsultationCompleted',
] as const;

export type BookingFactEvent = {
  [K in (typeof BOOKING_FACT_EVENT_TYPES)[number]]: DomainEvent<K, ConsultationEventData[K]>;
}[(typeof BOOKING_FACT_EVENT_TYPES)[number]];

const TYPES: ReadonlySet<string> = new Set(BOOKING_FACT_EVENT_TYPES);
export const isBookingFactEvent = (event: DomainEvent): event is BookingFactEvent => TYPES.has(event.type);

/**
 * The one fold of booking facts, used by every context that keeps a copy of them. Copies arrive at
 * least once and, across topics, late, so:
 * - the first `ConsultationBooked` is the booking; a repeat changes nothing (it would undo a reschedule,
 *   or reopen a cancelled consultation);
 * - a consultation that is cancelled or completed stays so: later reschedules, cancels or completions of it
 *   change nothing;
 * - anything about a consultation not yet booked here is ignored (per-consultation order on the bus means
 *   the booking comes first).
 */
export const evolveBookingFact = (fact: BookingFact | null, event: BookingFactEvent): BookingFact | null => {
  switch (event.type) {
    case 'ConsultationBooked': {
      if (fact) return fact;
      const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } = event.data;
      return { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode, status: 'booked' };
    }
    case 'ConsultationRescheduled':
      return fact?.status === 'booked' ? { ...fact, startsAt: event.data.startsAt, durationMinutes: event.data.durationMinutes } : fact;
    case 'ConsultationCancelled':
      return fact?.status === 'booked' ? { ...fact, status: 'cancelled' } : fact;
    case 'ConsultationCompleted':
      return fact?.status === 'booked' ? { ...fact, status: 'completed' } : fact;
  }
};
