import { type BookingFact, type CallEventData, type DomainEvent, type MediaMode } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';
import {
  CallAlreadyActive,
  CallAlreadyEnded,
  CallAlreadyExists,
  CallNotFound,
  ConsultationClosed,
  NotACallParticipant,
  OutsideBookedWindow,
  UnknownConsultation,
} from './call.errors.js';

export type ParticipantRole = 'patient' | 'clinician';

/** One stretch of a call in one media mode; a switch closes it and opens the next, seq + 1. */
export type Segment = { segmentId: string; seq: number; mode: MediaMode };

/** What booking told us about a consultation (copied from its integration events by the inbox). */
export type ConsultationFacts = BookingFact;

/** Facts the server looked up for a command; never taken from what a client sent. */
export type CallFacts = {
  consultation: ConsultationFacts | null;
  joinGraceMinutes: number;
  /** The consultation's call that is active now, if any (StartCall only; read from the store, never a read model). */
  activeCallId?: string | null;
};

/** The verified caller: id and clinic come from the token, never from a message body. */
export type Caller = { userId: string; clinicId: string };

export type CallCommand =
  | { type: 'StartCall'; callId: string; segmentId: string; consultationId: string; caller: Caller; now: Date }
  | { type: 'JoinCall'; caller: Caller; now: Date }
  | { type: 'LeaveCall'; caller: Caller; now: Date }
  | { type: 'SwitchMedia'; caller: Caller; mode: MediaMode; newSegmentId: string; now: Date }
  | { type: 'EndCall'; caller: Caller; now: Date }
  /** The platform closes the call because its consultation went away (no caller). */
  | { type: 'CloseCall'; reason: 'consultation_cancelled' | 'timeout'; now: Date };

export const CALL_EVENT_TYPES = ['CallStarted', 'ParticipantJoined', 'ParticipantLeft', 'MediaModeSwitched', 'CallEnded'] as const;

export type CallEvent = { [K in (typeof CALL_EVENT_TYPES)[number]]: DomainEvent<K, CallEventData[K]> }[(typeof CALL_EVENT_TYPES)[number]];

const CALL_EVENTS: ReadonlySet<string> = new Set(CALL_EVENT_TYPES);
export const isCallEvent = (event: DomainEvent): event is CallEvent => CALL_EVENTS.has(event.type);

export type CallBinding = {
  callId: string;
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
};

export type CallState =
  | { status: 'none' }
  | (CallBinding & {
      status: 'active' | 'ended';
      mode: MediaMode;
      segments: Segment[];
      currentSegmentId: string;
      /** Participants currently connected, by user id. */
      online: string[];
    });

export type OpenCall = Exclude<CallState, { status: 'none' }>;

const initialState = (): CallState => ({ status: 'none' });

/** The caller's role in this consultation, or null when they are not one of its two participants. */
export const participantRoleOf = (
  binding: Pick<CallBinding, 'clinicId' | 'patientId' | 'clinicianId'>,
  caller: Caller,
): ParticipantRole | null => {
  if (caller.clinicId !== binding.clinicId) return null;
  if (caller.userId === binding.patientId) return 'patient';
  if (caller.userId === binding.clinicianId) return 'clinician';
  return null;
};

/** The booked slot widened by the grace period on both sides. */
export const joinWindowOf = (consultation: ConsultationFacts, graceMinutes: number): { opensAt: Date; closesAt: Date } => {
  const startsAt = Date.parse(consultation.startsAt);
  const grace = graceMinutes * 60_000;
  return {
    opensAt: new Date(startsAt - grace),
    closesAt: new Date(startsAt + consultation.durationMinutes * 60_000 + grace),
  };
};

const assertJoinable = (consultation: ConsultationFacts, graceMinutes: number, now: Date): void => {
  if (consultation.status !== 'booked') throw new ConsultationClosed(consultation.status);
  const { opensAt, closesAt } = joinWindowOf(consultation, graceMinutes);
  if (now.getTime() < opensAt.getTime() || now.getTime() > closesAt.getTime()) {
    throw new OutsideBookedWindow(opensAt.toISOString(), closesAt.toISOString());
  }
};

/** Participant first: a stranger learns nothing about the call, not even that it ended. */
const openCallFor = (state: CallState, caller: Caller): { call: OpenCall; role: ParticipantRole } => {
  if (state.status === 'none') throw new CallNotFound();
  const role = participantRoleOf(state, caller);
  if (!role) throw new NotACallParticipant('call');
  if (state.status === 'ended') throw new CallAlreadyEnded();
  return { call: state, role };
};

const refsOf = (call: OpenCall) => ({ callId: call.callId, consultationId: call.consultationId });

const decide = (command: CallCommand, state: CallState, facts: CallFacts): CallEvent[] => {
  switch (command.type) {
    case 'StartCall': {
      if (state.status !== 'none') throw new CallAlreadyExists();
      const consultation = facts.consultation;
      if (!consultation || consultation.consultationId !== command.consultationId) throw new UnknownConsultation();
      if (!participantRoleOf(consultation, command.caller)) throw new NotACallParticipant('consultation');
      assertJoinable(consultation, facts.joinGraceMinutes, command.now);
      if (facts.activeCallId) throw new CallAlreadyActive(facts.activeCallId);
      return [
        {
          type: 'CallStarted',
          data: {
            callId: command.callId,
            consultationId: consultation.consultationId,
            clinicId: consultation.clinicId,
            patientId: consultation.patientId,
            clinicianId: consultation.clinicianId,
            mode: consultation.mode,
            segmentId: command.segmentId,
            startedBy: command.caller.userId,
          },
        },
      ];
    }
    case 'JoinCall': {
      const { call, role } = openCallFor(state, command.caller);
      if (!facts.consultation) throw new UnknownConsultation();
      assertJoinable(facts.consultation, facts.joinGraceMinutes, command.now);
      if (call.online.includes(command.caller.userId)) return [];
      return [{ type: 'ParticipantJoined', data: { ...refsOf(call), userId: command.caller.userId, role } }];
    }
    case 'LeaveCall': {
      const { call, role } = openCallFor(state, command.caller);
      if (!call.online.includes(command.caller.userId)) return [];
      return [{ type: 'ParticipantLeft', data: { ...refsOf(call), userId: command.caller.userId, role } }];
    }
    case 'SwitchMedia': {
      const { call } = openCallFor(state, command.caller);
      if (call.mode === command.mode) return [];
      return [
        {
          type: 'MediaModeSwitched',
          data: {
            ...refsOf(call),
            from: call.mode,
            to: command.mode,
            closedSegmentId: call.currentSegmentId,
            segmentId: command.newSegmentId,
            segmentSeq: Math.max(...call.segments.map((s) => s.seq)) + 1,
            switchedBy: command.caller.userId,
          },
        },
      ];
    }
    case 'EndCall': {
      const { call } = openCallFor(state, command.caller);
      return [{ type: 'CallEnded', data: { ...refsOf(call), lastSegmentId: call.currentSegmentId, reason: 'hangup' } }];
    }
    case 'CloseCall': {
      if (state.status === 'none') throw new CallNotFound();
      if (state.status === 'ended') return [];
      return [{ type: 'CallEnded', data: { ...refsOf(state), lastSegmentId: state.currentSegmentId, reason: command.reason } }];
    }
  }
};

const evolve = (state: CallState, event: CallEvent): CallState => {
  if (event.type === 'CallStarted') {
    const { callId, consultationId, clinicId, patientId, clinicianId, mode, segmentId } = event.data;
    return {
      status: 'active',
      callId,
      consultationId,
      clinicId,
      patientId,
      clinicianId,
      mode,
      segments: [{ segmentId, seq: 1, mode }],
      currentSegmentId: segmentId,
      online: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ParticipantJoined':
      return state.online.includes(event.data.userId) ? state : { ...state, online: [...state.online, event.data.userId] };
    case 'ParticipantLeft':
      return { ...state, online: state.online.filter((id) => id !== event.data.userId) };
    case 'MediaModeSwitched': {
      const { to, segmentId, segmentSeq } = event.data;
      return { ...state, mode: to, currentSegmentId: segmentId, segments: [...state.segments, { segmentId, seq: segmentSeq, mode: to }] };
    }
    case 'CallEnded':
      return { ...state, status: 'ended', online: [] };
  }
};

/** One call's stream: its commands decided against the call so far and the booking facts the server looked up. */
export const callDecider: Decider<CallCommand, CallEvent, CallState, CallFacts> = { decide, evolve, initialState };

const CALL_STREAM_PREFIX = 'call-';
export const callStreamOf = (callId: string): string => `${CALL_STREAM_PREFIX}${callId}`;
/** The call a stream belongs to; null for a stream that is not a call's. */
export const callIdOfStream = (streamId: string): string | null =>
  streamId.startsWith(CALL_STREAM_PREFIX) && streamId.length > CALL_STREAM_PREFIX.length ? streamId.slice(CALL_STREAM_PREFIX.length) : null;
