import type { Decider } from '@vgp/domain';
import { type ConsultationBooked, type ConsultationRescheduled, type ConsultationState, overlaps } from './consultation.decider.js';
import { ClinicianDoubleBooked, PatientDoubleBooked } from './consultation.errors.js';

/**
 * One person's time on one UTC day in one clinic: the consistency boundary of "no one is in two
 * consultations at once" (ADR 0023). Every booking or reschedule holds its time in each such stream it
 * touches, in one global order, and is decided once it is held in the last of them.
 */
export type Hold = {
  /** Names this change of this consultation: the same request again holds the same time, once. */
  holdId: string;
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  durationMinutes: number;
  /** The consultation stream revision the change is written at: 0 for a booking, one past the revision read for a reschedule. */
  generation: number;
  /** Every schedule stream the change needs, in `scheduleStreamsOf` order. */
  streams: string[];
  /** The consultation event the change writes once its time is held: whoever finds it held but unwritten writes it. */
  change: ConsultationBooked | ConsultationRescheduled;
};

/** Holds the change's time in `streamId`, one of its streams. */
export type PlaceHold = { type: 'PlaceHold'; hold: Hold; streamId: string };

export type SlotHeld = { type: 'SlotHeld'; data: Hold };
/** Recorded once the change holds time elsewhere: whoever finishes it after its requester must reach the same answer. */
export type SlotRefused = { type: 'SlotRefused'; data: { holdId: string; consultationId: string; conflictingConsultationId: string } };
export type ScheduleEvent = SlotHeld | SlotRefused;

export type ScheduleState = { held: Record<string, Hold>; refused: Record<string, string> };

/** Which of the clashing holds still take up time, as the server found out from their other streams and consultations. */
export type ScheduleFacts = { live: ReadonlySet<string> };

export const scheduleDecider: Decider<PlaceHold, ScheduleEvent, ScheduleState, ScheduleFacts> = {
  initialState: () => ({ held: {}, refused: {} }),

  decide: ({ hold, streamId }, state, facts) => {
    if (state.held[hold.holdId] || state.refused[hold.holdId]) return [];
    const clash = clashesWith(state, hold).find((other) => facts.live.has(other.holdId));
    if (!clash) return [{ type: 'SlotHeld', data: hold }];
    // Refused in its first stream, it is held nowhere, so no one can meet it: nothing to record.
    if (streamId === hold.streams[0]) throw refusalOf(hold, streamId, clash.consultationId);
    return [
      {
        type: 'SlotRefused',
        data: { holdId: hold.holdId, consultationId: hold.consultationId, conflictingConsultationId: clash.consultationId },
      },
    ];
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'SlotHeld':
        return { ...state, held: { ...state.held, [event.data.holdId]: event.data } };
      case 'SlotRefused':
        return { ...state, refused: { ...state.refused, [event.data.holdId]: event.data.conflictingConsultationId } };
    }
  },
};

/** The holds of other consultations in this stream whose time overlaps: the server finds out which still count. */
export const clashesWith = (state: ScheduleState, hold: Hold): Hold[] =>
  Object.values(state.held).filter((other) => other.consultationId !== hold.consultationId && overlaps(other, hold));

export type HoldOutcome = { held: true } | { held: false; conflictingConsultationId: string };

export const outcomeOf = (state: ScheduleState, holdId: string): HoldOutcome | null => {
  if (state.held[holdId]) return { held: true };
  const conflictingConsultationId = state.refused[holdId];
  return conflictingConsultationId === undefined ? null : { held: false, conflictingConsultationId };
};

/** The refusal as the person it names sees it: the clinician of the wanted consultation, or its patient. */
export const refusalOf = (hold: Hold, streamId: string, conflictingConsultationId: string): ClinicianDoubleBooked | PatientDoubleBooked =>
  personOf(streamId) === hold.clinicianId
    ? new ClinicianDoubleBooked(conflictingConsultationId)
    : new PatientDoubleBooked(conflictingConsultationId);

const DAY_MS = 86_400_000;

/**
 * `schedule-<day>/<person>/<clinic>`: person ids cannot hold a '/', so the name is unambiguous. A consultation
 * lasts at most 240 minutes, so it touches one or two days of each person; two that overlap share a day stream.
 */
export const scheduleStreamsOf = (slot: {
  clinicId: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  durationMinutes: number;
}): string[] => {
  const start = Date.parse(slot.startsAt);
  const end = start + slot.durationMinutes * 60_000;
  const days: string[] = [];
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end; day += DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  const streams = [slot.clinicianId, slot.patientId].flatMap((person) => days.map((day) => `schedule-${day}/${person}/${slot.clinicId}`));
  return [...new Set(streams)].sort();
};

const personOf = (streamId: string): string => streamId.split('/')[1];

/** The same instant and length: the hold still describes the consultation as it stands. */
export const sameSlot = (a: { startsAt: string; durationMinutes: number }, b: { startsAt: string; durationMinutes: number }): boolean =>
  Date.parse(a.startsAt) === Date.parse(b.startsAt) && a.durationMinutes === b.durationMinutes;

/**
 * Whether a decided hold still takes up time, given its consultation as stored (`revision` -1: no stream yet).
 * Until its change is written the hold counts: the change is about to be written (ADR 0023).
 */
export const decidedHoldCounts = (hold: Hold, consultation: { revision: number; state: ConsultationState }): boolean => {
  const { state } = consultation;
  if (state.status === 'cancelled' || state.status === 'completed') return false;
  if (consultation.revision < hold.generation) return true;
  return state.status === 'booked' && sameSlot(state.consultation, hold);
};
