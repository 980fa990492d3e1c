import fc from 'fast-check';
import { DeciderSpec } from '@vgp/testing';
import {
  type BookConsultation,
  type CancelConsultation,
  type CompleteConsultation,
  type ConsultationBooked,
  type ConsultationCommand,
  type ConsultationEvent,
  consultationDecider,
  type ConsultationState,
  overlaps,
  type RescheduleConsultation,
} from './consultation.decider.js';
import {
  ConsultationAlreadyBooked,
  ConsultationClosed,
  ConsultationNotFound,
  IdempotencyKeyReused,
  InvalidDuration,
  PatientIsClinician,
  StartInThePast,
} from './consultation.errors.js';
import { bookingRole, completingRole, viewingRole } from './consultation-access.policy.js';

const NOW = new Date('2026-03-01T08:00:00.000Z');
const C1 = '11111111-1111-4111-8111-111111111111';

const given = DeciderSpec.for<ConsultationCommand, ConsultationEvent, ConsultationState>(consultationDecider);

const book = (o: Partial<BookConsultation> = {}): BookConsultation => ({
  type: 'BookConsultation',
  consultationId: C1,
  clinicId: 'clinic-1',
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: '2026-03-01T09:00:00.000Z',
  durationMinutes: 20,
  mode: 'video',
  now: NOW,
  ...o,
});
const booked = (o: Partial<ConsultationBooked['data']> = {}): ConsultationBooked => {
  const { type: _t, now: _n, ...data } = book();
  return { type: 'ConsultationBooked', data: { ...data, ...o } };
};
const reschedule = (o: Partial<RescheduleConsultation> = {}): RescheduleConsultation => ({
  type: 'RescheduleConsultation',
  consultationId: C1,
  startsAt: '2026-03-01T10:00:00.000Z',
  durationMinutes: 30,
  now: NOW,
  ...o,
});
const cancel = (o: Partial<CancelConsultation> = {}): CancelConsultation => ({
  type: 'CancelConsultation',
  consultationId: C1,
  reason: 'patient_request',
  now: NOW,
  ...o,
});
const complete = (): CompleteConsultation => ({ type: 'CompleteConsultation', consultationId: C1, now: NOW });
const cancelled = (): ConsultationEvent => ({ type: 'ConsultationCancelled', data: { consultationId: C1, reason: 'patient_request' } });
const completed = (): ConsultationEvent => ({ type: 'ConsultationCompleted', data: { consultationId: C1 } });

describe('booking a consultation', () => {
  it('books a future consultation between a patient and a clinician', () => given([]).when(book()).then([booked()]));

  it('refuses a start in the past, or right now', () => {
    given([])
      .when(book({ startsAt: '2026-03-01T07:59:00.000Z' }))
      .thenThrows(StartInThePast);
    given([])
      .when(book({ startsAt: NOW.toISOString() }))
      .thenThrows(StartInThePast);
  });

  it('compares instants, not clock text: 10:00+02:00 is before 09:00Z', () =>
    given([])
      .when(book({ startsAt: '2026-03-01T10:00:00+03:00' }))
      .thenThrows(StartInThePast));

  it('refuses a patient booked as their own clinician', () =>
    given([])
      .when(book({ patientId: 'dr-okafor' }))
      .thenThrows(PatientIsClinician));

  it('refuses a duration outside 5 to 240 minutes', () => {
    given([])
      .when(book({ durationMinutes: 4 }))
      .thenThrows(InvalidDuration);
    given([])
      .when(book({ durationMinutes: 241 }))
      .thenThrows(InvalidDuration);
  });

  it('never books the same consultation twice', () => given([booked()]).when(book()).thenThrows(ConsultationAlreadyBooked));
});

describe('repeating a booking under its Idempotency-Key', () => {
  const retry = (o: Partial<BookConsultation> = {}) => book({ idempotencyKey: 'key-1', ...o });

  it('appends nothing for the same booking: the first one is the answer', () => given([booked()]).when(retry()).thenNothingHappened());

  it('compares instants, so the same start with another offset is the same booking', () =>
    given([booked()])
      .when(retry({ startsAt: '2026-03-01T10:00:00+01:00' }))
      .thenNothingHappened());

  it('compares with the booking as first requested, whatever happened to it since', () => {
    const moved: ConsultationEvent = {
      type: 'ConsultationRescheduled',
      data: { consultationId: C1, startsAt: '2026-03-02T09:00:00.000Z', durationMinutes: 15 },
    };
    given([booked(), moved, cancelled()]).when(retry()).thenNothingHappened();
  });

  it('refuses the same key with a different booking', () =>
    given([booked()])
      .when(retry({ durationMinutes: 30 }))
      .thenThrows(IdempotencyKeyReused, (error) => expect(error).toMatchObject({ code: 'idempotency-key-reused', kind: 'unprocessable' })));
});

describe('rescheduling a consultation', () => {
  it('moves a booked consultation to a new time', () =>
    given([booked()])
      .when(reschedule())
      .then([
        { type: 'ConsultationRescheduled', data: { consultationId: C1, startsAt: '2026-03-01T10:00:00.000Z', durationMinutes: 30 } },
      ]));

  it('refuses a new time in the past', () =>
    given([booked()])
      .when(reschedule({ startsAt: '2026-02-28T10:00:00.000Z' }))
      .thenThrows(StartInThePast));

  it('refuses a cancelled or completed consultation', () => {
    given([booked(), cancelled()]).when(reschedule()).thenThrows(ConsultationClosed);
    given([booked(), completed()]).when(reschedule()).thenThrows(ConsultationClosed);
  });

  it('refuses a consultation that was never booked', () => given([]).when(reschedule()).thenThrows(ConsultationNotFound));
});

describe('cancelling and completing a consultation', () => {
  it('cancels a booked consultation with the reason given', () =>
    given([booked()])
      .when(cancel({ reason: 'no_show' }))
      .then([{ type: 'ConsultationCancelled', data: { consultationId: C1, reason: 'no_show' } }]));

  it('refuses to cancel twice or to cancel a completed consultation', () => {
    given([booked(), cancelled()]).when(cancel()).thenThrows(ConsultationClosed);
    given([booked(), completed()]).when(cancel()).thenThrows(ConsultationClosed);
  });

  it('completes a booked consultation', () =>
    given([booked()])
      .when(complete())
      .then([{ type: 'ConsultationCompleted', data: { consultationId: C1 } }]));

  it('refuses to complete a cancelled consultation', () => given([booked(), cancelled()]).when(complete()).thenThrows(ConsultationClosed));

  it('keeps the rescheduled time once it is cancelled', () => {
    const state = [
      booked(),
      { type: 'ConsultationRescheduled', data: { consultationId: C1, startsAt: '2026-03-02T09:00:00.000Z', durationMinutes: 15 } },
      cancelled(),
    ].reduce((s, e) => consultationDecider.evolve(s, e as ConsultationEvent), consultationDecider.initialState());
    expect(state).toEqual({
      status: 'cancelled',
      consultation: expect.objectContaining({ startsAt: '2026-03-02T09:00:00.000Z', durationMinutes: 15 }),
      requested: expect.objectContaining({ startsAt: '2026-03-01T09:00:00.000Z', durationMinutes: 20 }),
    });
  });
});

describe('the overlap rule, for any two slots', () => {
  const slot = fc.record({
    startsAt: fc.integer({ min: 1, max: 24 * 60 }).map((m) => new Date(NOW.getTime() + m * 60_000).toISOString()),
    durationMinutes: fc.integer({ min: 5, max: 240 }),
  });

  it('is symmetric and holds exactly when the two share a minute', () =>
    fc.assert(
      fc.property(slot, slot, (a, b) => {
        const minutes = (s: typeof a) => {
          const start = (Date.parse(s.startsAt) - NOW.getTime()) / 60_000;
          return new Set(Array.from({ length: s.durationMinutes }, (_, i) => start + i));
        };
        const shared = [...minutes(a)].some((m) => minutes(b).has(m));
        expect(overlaps(a, b)).toBe(shared);
        expect(overlaps(b, a)).toBe(overlaps(a, b));
      }),
    ));
});

describe('who may see and act on a consultation', () => {
  const consultation = { clinicId: 'clinic-1', patientId: 'patient-amira', clinicianId: 'dr-okafor' };
  const caller = (id: string, role: 'patient' | 'clinician' | 'clinic_admin' | 'compliance_officer', clinicId = 'clinic-1') => ({
    id,
    roles: [role],
    clinicId,
  });

  it('shows a consultation to its patient, its clinician and an admin of its clinic', () => {
    expect(viewingRole(caller('patient-amira', 'patient'), consultation)).toBe('patient');
    expect(viewingRole(caller('dr-okafor', 'clinician'), consultation)).toBe('clinician');
    expect(viewingRole(caller('admin-ada', 'clinic_admin'), consultation)).toBe('clinic_admin');
  });

  it('hides it from another patient, another clinician, a compliance officer and another clinic', () => {
    expect(viewingRole(caller('patient-ben', 'patient'), consultation)).toBeNull();
    expect(viewingRole(caller('dr-lindqvist', 'clinician'), consultation)).toBeNull();
    expect(viewingRole(caller('cora', 'compliance_officer'), consultation)).toBeNull();
    expect(viewingRole(caller('patient-amira', 'patient', 'clinic-2'), consultation)).toBeNull();
    expect(viewingRole(caller('admin-ada', 'clinic_admin', 'clinic-2'), consultation)).toBeNull();
  });

  it('does not let a patient with the id of the clinician act as that clinician', () =>
    expect(viewingRole(caller('dr-okafor', 'patient'), consultation)).toBeNull());

  it('lets the clinician or an admin complete it, not the patient', () => {
    expect(completingRole(caller('dr-okafor', 'clinician'), consultation)).toBe('clinician');
    expect(completingRole(caller('admin-ada', 'clinic_admin'), consultation)).toBe('clinic_admin');
    expect(completingRole(caller('patient-amira', 'patient'), consultation)).toBeNull();
  });

  it('lets an admin book anyone, a clinician only themselves, a patient only themselves', () => {
    const wanted = { patientId: 'patient-amira', clinicianId: 'dr-okafor' };
    expect(bookingRole(caller('admin-ada', 'clinic_admin'), wanted)).toBe('clinic_admin');
    expect(bookingRole(caller('dr-okafor', 'clinician'), wanted)).toBe('clinician');
    expect(bookingRole(caller('patient-amira', 'patient'), wanted)).toBe('patient');
    expect(bookingRole(caller('dr-lindqvist', 'clinician'), wanted)).toBeNull();
    expect(bookingRole(caller('patient-ben', 'patient'), wanted)).toBeNull();
    expect(bookingRole(caller('cora', 'compliance_officer'), wanted)).toBeNull();
  });
});
