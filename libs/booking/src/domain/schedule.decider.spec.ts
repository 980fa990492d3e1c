import fc from 'fast-check';
import { DeciderSpec } from '@vgp/testing';
import type { ConsultationState } from './consultation.decider.js';
import { ClinicianDoubleBooked, PatientDoubleBooked } from './consultation.errors.js';
import {
  decidedHoldCounts,
  type Hold,
  outcomeOf,
  type PlaceHold,
  refusalOf,
  type ScheduleEvent,
  scheduleDecider,
  type ScheduleFacts,
  scheduleStreamsOf,
  type ScheduleState,
} from './schedule.decider.js';

const C1 = '11111111-1111-4111-8111-111111111111';
const C2 = '22222222-2222-4222-8222-222222222222';
const OKAFOR_DAY = 'schedule-2026-03-01/dr-okafor/clinic-1';
const AMIRA_DAY = 'schedule-2026-03-01/patient-amira/clinic-1';

const given = DeciderSpec.for<PlaceHold, ScheduleEvent, ScheduleState, ScheduleFacts>(scheduleDecider);

const hold = (o: Partial<Hold> = {}): Hold => {
  const base = {
    holdId: 'hold-1',
    consultationId: C1,
    clinicId: 'clinic-1',
    patientId: 'patient-amira',
    clinicianId: 'dr-okafor',
    startsAt: '2026-03-01T09:00:00.000Z',
    durationMinutes: 20,
    generation: 0,
    ...o,
  };
  const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes } = base;
  const change = {
    type: 'ConsultationBooked' as const,
    data: { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode: 'video' as const },
  };
  return { streams: scheduleStreamsOf(base), change, ...base };
};
/** Another consultation of the clinician's, at the same time unless told otherwise. */
const other = (o: Partial<Hold> = {}): Hold => hold({ holdId: 'hold-2', consultationId: C2, patientId: 'patient-ben', ...o });
const held = (h: Hold): ScheduleEvent => ({ type: 'SlotHeld', data: h });
const refused = (h: Hold, conflictingConsultationId: string): ScheduleEvent => ({
  type: 'SlotRefused',
  data: { holdId: h.holdId, consultationId: h.consultationId, conflictingConsultationId },
});
const place = (h: Hold, streamId = OKAFOR_DAY): PlaceHold => ({ type: 'PlaceHold', hold: h, streamId });
const live = (...holds: Hold[]): ScheduleFacts => ({ live: new Set(holds.map((h) => h.holdId)) });

describe('holding a consultation’s time in one person’s day', () => {
  it('holds a free time', () =>
    given([])
      .when(place(hold()), live())
      .then([held(hold())]));

  it('refuses a time another consultation that still counts overlaps, in the first stream without recording anything', () =>
    given([held(other({ startsAt: '2026-03-01T09:10:00.000Z' }))])
      .when(place(hold()), live(other()))
      .thenThrows(ClinicianDoubleBooked, (error) => expect(error.conflictingConsultationId).toBe(C2)));

  it('records why it refused in a later stream: the change holds time in the earlier ones', () =>
    given([held(other({ clinicianId: 'dr-lindqvist', patientId: 'patient-amira' }))])
      .when(place(hold(), AMIRA_DAY), live(other()))
      .then([refused(hold(), C2)]));

  it('holds the time of a clashing consultation that no longer counts (cancelled, moved, or refused elsewhere)', () =>
    given([held(other())])
      .when(place(hold()), live())
      .then([held(hold())]));

  it('holds back to back: a consultation may start the minute another ends', () => {
    const next = hold({ startsAt: '2026-03-01T09:20:00.000Z' });
    given([held(other())])
      .when(place(next), live(other()))
      .then([held(next)]);
  });

  it('never clashes a consultation with its own earlier time: a reschedule may overlap where it was', () => {
    const moved = hold({ holdId: 'hold-1-moved', startsAt: '2026-03-01T09:10:00.000Z', generation: 1 });
    given([held(hold())])
      .when(place(moved), live(hold()))
      .then([held(moved)]);
  });

  it('decides each hold once: the same hold again, held or refused, changes nothing', () => {
    given([held(hold())])
      .when(place(hold()), live())
      .thenNothingHappened();
    given([held(other()), refused(hold(), C2)])
      .when(place(hold(), AMIRA_DAY), live(other()))
      .thenNothingHappened();
  });

  it('answers the outcome recorded for a hold, and nothing for one never decided', () => {
    const state = [held(other()), refused(hold(), C2)].reduce(scheduleDecider.evolve, scheduleDecider.initialState());
    expect(outcomeOf(state, 'hold-2')).toEqual({ held: true });
    expect(outcomeOf(state, 'hold-1')).toEqual({ held: false, conflictingConsultationId: C2 });
    expect(outcomeOf(state, 'hold-3')).toBeNull();
  });

  it('never leaves two overlapping consultations held in one stream, whatever the order of requests', () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ minute: fc.integer({ min: 0, max: 600 }), durationMinutes: fc.integer({ min: 5, max: 240 }) }), {
          maxLength: 20,
        }),
        (wanted) => {
          let state = scheduleDecider.initialState();
          wanted.forEach(({ minute, durationMinutes }, i) => {
            const startsAt = new Date(Date.parse('2026-03-01T06:00:00.000Z') + minute * 60_000).toISOString();
            const h = hold({ holdId: `hold-${i}`, consultationId: `c-${i}`, patientId: `patient-${i}`, startsAt, durationMinutes });
            // Every hold decided so far still counts.
            try {
              const events = scheduleDecider.decide(place(h), state, { live: new Set(Object.keys(state.held)) });
              state = events.reduce(scheduleDecider.evolve, state);
            } catch (error) {
              expect(error).toBeInstanceOf(ClinicianDoubleBooked);
            }
          });
          const holds = Object.values(state.held);
          for (const a of holds)
            for (const b of holds) {
              if (a === b) continue;
              const [aStart, bStart] = [Date.parse(a.startsAt), Date.parse(b.startsAt)];
              expect(aStart + a.durationMinutes * 60_000 <= bStart || bStart + b.durationMinutes * 60_000 <= aStart).toBe(true);
            }
        },
      ),
    ));
});

describe('the schedule streams of a consultation', () => {
  it('are the day of each person, in one order for everyone', () => expect(scheduleStreamsOf(hold())).toEqual([OKAFOR_DAY, AMIRA_DAY]));

  it('include the next day of both people when the consultation runs past midnight', () =>
    expect(scheduleStreamsOf(hold({ startsAt: '2026-03-01T23:50:00.000Z', durationMinutes: 30 }))).toEqual([
      OKAFOR_DAY,
      AMIRA_DAY,
      'schedule-2026-03-02/dr-okafor/clinic-1',
      'schedule-2026-03-02/patient-amira/clinic-1',
    ]));

  it('end at the last minute: a consultation ending at midnight takes no time of the next day', () =>
    expect(scheduleStreamsOf(hold({ startsAt: '2026-03-01T23:40:00.000Z', durationMinutes: 20 }))).toEqual([OKAFOR_DAY, AMIRA_DAY]));

  it('share a stream whenever two consultations of one person overlap, whoever they are with', () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * 1440 }),
        fc.integer({ min: 0, max: 3 * 1440 }),
        fc.integer({ min: 5, max: 240 }),
        (a, b, d) => {
          const at = (minute: number) => new Date(Date.parse('2026-03-01T00:00:00.000Z') + minute * 60_000).toISOString();
          const x = hold({ startsAt: at(a), durationMinutes: d });
          const y = other({ startsAt: at(b), durationMinutes: d, clinicianId: 'dr-lindqvist', patientId: 'dr-okafor' });
          const overlapping = a < b + d && b < a + d;
          const shared = scheduleStreamsOf(x).some((s) => scheduleStreamsOf(y).includes(s));
          if (overlapping) expect(shared).toBe(true);
        },
      ),
    ));

  it('name the refusal by the role the person has in the wanted consultation', () => {
    expect(refusalOf(hold(), OKAFOR_DAY, C2)).toBeInstanceOf(ClinicianDoubleBooked);
    expect(refusalOf(hold(), AMIRA_DAY, C2)).toBeInstanceOf(PatientDoubleBooked);
    expect(refusalOf(hold(), AMIRA_DAY, C2).conflictingConsultationId).toBe(C2);
  });
});

describe('whether a decided hold still takes up time', () => {
  const booked = (o: Partial<Hold> = {}, status: 'booked' | 'cancelled' | 'completed' = 'booked'): ConsultationState => {
    const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes } = hold(o);
    const consultation = { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode: 'video' as const };
    return { status, consultation, requested: consultation };
  };

  it('counts until its change is written: its request, or a retry of it, is writing it', () => {
    expect(decidedHoldCounts(hold(), { revision: -1, state: { status: 'none' } })).toBe(true);
    expect(decidedHoldCounts(hold({ generation: 2 }), { revision: 1, state: booked({ startsAt: '2026-03-01T11:00:00.000Z' }) })).toBe(true);
  });

  it('counts while the consultation stands at that time', () =>
    expect(decidedHoldCounts(hold(), { revision: 0, state: booked() })).toBe(true));

  it('does not count once the consultation moved elsewhere, or another change of it was written instead', () => {
    expect(decidedHoldCounts(hold(), { revision: 1, state: booked({ startsAt: '2026-03-01T11:00:00.000Z' }) })).toBe(false);
    expect(decidedHoldCounts(hold({ generation: 1 }), { revision: 1, state: booked({ durationMinutes: 30 }) })).toBe(false);
  });

  it('does not count once the consultation is cancelled or completed', () => {
    expect(decidedHoldCounts(hold(), { revision: 1, state: booked({}, 'cancelled') })).toBe(false);
    expect(decidedHoldCounts(hold(), { revision: 1, state: booked({}, 'completed') })).toBe(false);
  });
});
