import { type BookingFact, type BookingFactEvent, evolveBookingFact } from './booking-facts.js';

const booked: BookingFactEvent = {
  type: 'ConsultationBooked',
  data: {
    consultationId: 'c-1',
    clinicId: 'k-1',
    patientId: 'p-1',
    clinicianId: 'd-1',
    startsAt: '2030-01-01T10:00:00.000Z',
    durationMinutes: 15,
    mode: 'video',
  },
};
const rescheduled: BookingFactEvent = {
  type: 'ConsultationRescheduled',
  data: { consultationId: 'c-1', startsAt: '2030-01-02T10:00:00.000Z', durationMinutes: 30 },
};
const cancelled: BookingFactEvent = { type: 'ConsultationCancelled', data: { consultationId: 'c-1', reason: 'patient_request' } };
const completed: BookingFactEvent = { type: 'ConsultationCompleted', data: { consultationId: 'c-1' } };

const fold = (...events: BookingFactEvent[]): BookingFact | null => events.reduce<BookingFact | null>(evolveBookingFact, null);

describe('the booking-facts fold', () => {
  it('given a booking, knows who the consultation is between and when', () => {
    expect(fold(booked)).toEqual({ ...booked.data, status: 'booked' });
  });

  it('given a reschedule, moves the slot', () => {
    expect(fold(booked, rescheduled)).toMatchObject({ startsAt: '2030-01-02T10:00:00.000Z', durationMinutes: 30, status: 'booked' });
  });

  it('given a cancellation, then a late copy of the booking: stays cancelled (a redelivery never reopens it)', () => {
    expect(fold(booked, cancelled, booked)?.status).toBe('cancelled');
  });

  it('given a reschedule, then a late copy of the booking: keeps the rescheduled slot', () => {
    expect(fold(booked, rescheduled, booked)?.startsAt).toBe('2030-01-02T10:00:00.000Z');
  });

  it('given a closed consultation, ignores later reschedules and a completion after a cancellation', () => {
    expect(fold(booked, cancelled, rescheduled, completed)).toEqual({ ...booked.data, status: 'cancelled' });
    expect(fold(booked, completed, cancelled)?.status).toBe('completed');
  });

  it('given nothing booked yet, ignores changes to the consultation', () => {
    expect(fold(rescheduled, cancelled)).toBeNull();
  });
});
