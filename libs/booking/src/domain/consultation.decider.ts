import type { ConsultationEventData, MediaMode } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';
import {
  ConsultationAlreadyBooked,
  ConsultationClosed,
  ConsultationNotFound,
  IdempotencyKeyReused,
  InvalidDuration,
  PatientIsClinician,
  StartInThePast,
} from './consultation.errors.js';

export type CancelReason = ConsultationEventData['ConsultationCancelled']['reason'];
export const CANCEL_REASONS: readonly CancelReason[] = ['patient_request', 'clinician_request', 'clinic_request', 'no_show', 'other'];

export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 240;

export type BookConsultation = {
  type: 'BookConsultation';
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  /** ISO 8601 with offset. */
  startsAt: string;
  durationMinutes: number;
  mode: MediaMode;
  /** Set when the id was derived from an Idempotency-Key: a repeat of the same booking is answered, not refused. */
  idempotencyKey?: string;
  now: Date;
};
export type RescheduleConsultation = {
  type: 'RescheduleConsultation';
  consultationId: string;
  startsAt: string;
  durationMinutes: number;
  now: Date;
};
export type CancelConsultation = { type: 'CancelConsultation'; consultationId: string; reason: CancelReason; now: Date };
export type CompleteConsultation = { type: 'CompleteConsultation'; consultationId: string; now: Date };

export type ConsultationCommand = BookConsultation | RescheduleConsultation | CancelConsultation | CompleteConsultation;

export type ConsultationBooked = { type: 'ConsultationBooked'; data: ConsultationEventData['ConsultationBooked'] };
export type ConsultationRescheduled = { type: 'ConsultationRescheduled'; data: ConsultationEventData['ConsultationRescheduled'] };
export type ConsultationCancelled = { type: 'ConsultationCancelled'; data: ConsultationEventData['ConsultationCancelled'] };
export type ConsultationCompleted = { type: 'ConsultationCompleted'; data: ConsultationEventData['ConsultationCompleted'] };

export type ConsultationEvent = ConsultationBooked | ConsultationRescheduled | ConsultationCancelled | ConsultationCompleted;

export type BookedConsultation = ConsultationEventData['ConsultationBooked'];

export type ConsultationState =
  | { status: 'none' }
  | {
      status: 'booked' | 'cancelled' | 'completed';
      consultation: BookedConsultation;
      /** The booking as first requested, whatever happened to it since: what an idempotent repeat is compared with. */
      requested: BookedConsultation;
    };

export const consultationDecider: Decider<ConsultationCommand, ConsultationEvent, ConsultationState> = {
  initialState: () => ({ status: 'none' }),

  decide: (command, state) => {
    switch (command.type) {
      case 'BookConsultation': {
        if (state.status !== 'none') return repeatedBooking(command, state.requested);
        if (command.patientId === command.clinicianId) throw new PatientIsClinician();
        assertSlot(command.startsAt, command.durationMinutes, command.now);
        const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } = command;
        return [
          { type: 'ConsultationBooked', data: { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } },
        ];
      }
      case 'RescheduleConsultation': {
        const open = openConsultation(state);
        assertSlot(command.startsAt, command.durationMinutes, command.now);
        return [
          {
            type: 'ConsultationRescheduled',
            data: { consultationId: open.consultationId, startsAt: command.startsAt, durationMinutes: command.durationMinutes },
          },
        ];
      }
      case 'CancelConsultation': {
        const open = openConsultation(state);
        return [{ type: 'ConsultationCancelled', data: { consultationId: open.consultationId, reason: command.reason } }];
      }
      case 'CompleteConsultation': {
        const open = openConsultation(state);
        return [{ type: 'ConsultationCompleted', data: { consultationId: open.consultationId } }];
      }
    }
  },

  evolve: (state, event) => {
    switch (event.type) {
      case 'ConsultationBooked':
        // The first booking stands (the shared booking-facts rule); the decider never books a stream twice.
        return state.status === 'none' ? { status: 'booked', consultation: event.data, requested: event.data } : state;
      case 'ConsultationRescheduled':
        return state.status === 'none'
          ? state
          : {
              ...state,
              consultation: { ...state.consultation, startsAt: event.data.startsAt, durationMinutes: event.data.durationMinutes },
            };
      case 'ConsultationCancelled':
        return state.status === 'none' ? state : { ...state, status: 'cancelled' };
      case 'ConsultationCompleted':
        return state.status === 'none' ? state : { ...state, status: 'completed' };
    }
  },
};

/** Half-open intervals: one consultation may start the minute another ends. */
export const overlaps = (a: { startsAt: string; durationMinutes: number }, b: { startsAt: string; durationMinutes: number }): boolean => {
  const [aStart, aEnd] = interval(a);
  const [bStart, bEnd] = interval(b);
  return aStart < bEnd && bStart < aEnd;
};

export const endsAt = (slot: { startsAt: string; durationMinutes: number }): string => new Date(interval(slot)[1]).toISOString();

const interval = (slot: { startsAt: string; durationMinutes: number }): [number, number] => {
  const start = Date.parse(slot.startsAt);
  return [start, start + slot.durationMinutes * 60_000];
};

/**
 * A booking whose stream exists. With an Idempotency-Key the id is the caller's own, so the same body is a
 * retry: nothing is appended and the first booking is the answer. A different body, or no key, is refused.
 */
const repeatedBooking = (command: BookConsultation, requested: BookedConsultation): ConsultationEvent[] => {
  if (command.idempotencyKey === undefined) throw new ConsultationAlreadyBooked();
  const same =
    requested.clinicId === command.clinicId &&
    requested.patientId === command.patientId &&
    requested.clinicianId === command.clinicianId &&
    Date.parse(requested.startsAt) === Date.parse(command.startsAt) &&
    requested.durationMinutes === command.durationMinutes &&
    requested.mode === command.mode;
  if (!same) throw new IdempotencyKeyReused();
  return [];
};

const openConsultation = (state: ConsultationState): BookedConsultation => {
  if (state.status === 'none') throw new ConsultationNotFound();
  if (state.status !== 'booked') throw new ConsultationClosed(state.status);
  return state.consultation;
};

const assertSlot = (startsAt: string, durationMinutes: number, now: Date): void => {
  if (!Number.isInteger(durationMinutes) || durationMinutes < MIN_DURATION_MINUTES || durationMinutes > MAX_DURATION_MINUTES) {
    throw new InvalidDuration();
  }
  const start = Date.parse(startsAt);
  if (!Number.isFinite(start) || start <= now.getTime()) throw new StartInThePast();
};
