import { DeciderSpec } from '@vgp/testing';
import { type MediaMode } from '@vgp/contracts';
import { type CallCommand, callDecider, type CallEvent, type CallFacts, type Caller, type ConsultationFacts } from './call.decider.js';
import {
  CallAlreadyActive,
  CallAlreadyEnded,
  CallNotFound,
  ConsultationClosed,
  NotACallParticipant,
  OutsideBookedWindow,
  UnknownConsultation,
} from './call.errors.js';

// The booked slot: 10:00 for 20 minutes, joinable from 09:45 to 10:35 with 15 minutes' grace.
const STARTS_AT = '2026-03-02T10:00:00.000Z';
const at = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00.000Z`);

const patient: Caller = { userId: 'patient-amira', clinicId: 'clinic-1' };
const clinician: Caller = { userId: 'dr-okafor', clinicId: 'clinic-1' };
const otherPatient: Caller = { userId: 'patient-ben', clinicId: 'clinic-1' };

const consultation = (overrides: Partial<ConsultationFacts> = {}): ConsultationFacts => ({
  consultationId: 'cons-1',
  clinicId: 'clinic-1',
  patientId: patient.userId,
  clinicianId: clinician.userId,
  startsAt: STARTS_AT,
  durationMinutes: 20,
  mode: 'audio',
  status: 'booked',
  ...overrides,
});

const facts = (overrides: Partial<CallFacts> = {}, booking: Partial<ConsultationFacts> = {}): CallFacts => ({
  consultation: consultation(booking),
  joinGraceMinutes: 15,
  activeCallId: null,
  ...overrides,
});

// Events
const ids = { callId: 'call-1', consultationId: 'cons-1' };
const callStarted = (mode: MediaMode = 'audio', startedBy = clinician.userId): CallEvent => ({
  type: 'CallStarted',
  data: { ...ids, clinicId: 'clinic-1', patientId: patient.userId, clinicianId: clinician.userId, mode, segmentId: 'seg-1', startedBy },
});
const joined = (who: Caller, role: 'patient' | 'clinician'): CallEvent => ({
  type: 'ParticipantJoined',
  data: { ...ids, userId: who.userId, role },
});
const left = (who: Caller, role: 'patient' | 'clinician'): CallEvent => ({
  type: 'ParticipantLeft',
  data: { ...ids, userId: who.userId, role },
});
const switched = (
  from: MediaMode,
  to: MediaMode,
  closedSegmentId: string,
  segmentId: string,
  segmentSeq: number,
  by = patient,
): CallEvent => ({
  type: 'MediaModeSwitched',
  data: { ...ids, from, to, closedSegmentId, segmentId, segmentSeq, switchedBy: by.userId },
});
const ended = (lastSegmentId = 'seg-1', reason: 'hangup' | 'consultation_cancelled' = 'hangup'): CallEvent => ({
  type: 'CallEnded',
  data: { ...ids, lastSegmentId, reason },
});

// Commands
const startCall = (caller: Caller, now = at('10:00')): CallCommand => ({
  type: 'StartCall',
  callId: 'call-1',
  segmentId: 'seg-1',
  consultationId: 'cons-1',
  caller,
  now,
});
const joinCall = (caller: Caller, now = at('10:01')): CallCommand => ({ type: 'JoinCall', caller, now });
const leaveCall = (caller: Caller): CallCommand => ({ type: 'LeaveCall', caller, now: at('10:10') });
const switchMedia = (caller: Caller, mode: MediaMode, newSegmentId: string): CallCommand => ({
  type: 'SwitchMedia',
  caller,
  mode,
  newSegmentId,
  now: at('10:05'),
});
const endCall = (caller: Caller): CallCommand => ({ type: 'EndCall', caller, now: at('10:20') });

const given = DeciderSpec.for(callDecider);

describe('starting a call for a booked consultation', () => {
  it('opens the first segment in the booked media mode, bound to the booked patient and clinician', () =>
    given([])
      .when(startCall(clinician), facts())
      .then([callStarted('audio', clinician.userId)]));

  it('lets the patient start the call too', () =>
    given([])
      .when(startCall(patient), facts())
      .then([callStarted('audio', patient.userId)]));

  it('refuses someone who is not booked on the consultation, even in the same clinic', () =>
    given([]).when(startCall(otherPatient), facts()).thenThrows(NotACallParticipant));

  it('refuses the booked clinician when their token is for another clinic', () =>
    given([])
      .when(startCall({ ...clinician, clinicId: 'clinic-2' }), facts())
      .thenThrows(NotACallParticipant));

  it('refuses a consultation this service has never heard of', () =>
    given([])
      .when(startCall(clinician), facts({ consultation: null }))
      .thenThrows(UnknownConsultation));

  it('refuses before the grace period ahead of the booked time', () =>
    given([])
      .when(startCall(clinician, at('09:44')), facts())
      .thenThrows(OutsideBookedWindow));

  it('allows joining from 15 minutes before the booked time', () =>
    given([])
      .when(startCall(clinician, at('09:45')), facts())
      .then([callStarted('audio', clinician.userId)]));

  it('refuses after the booked slot and the grace period are over', () =>
    given([])
      .when(startCall(clinician, at('10:36')), facts())
      .thenThrows(OutsideBookedWindow));

  it('says when joining opens and closes', () =>
    given([])
      .when(startCall(clinician, at('08:00')), facts())
      .thenThrows(OutsideBookedWindow, (error) =>
        expect(error).toMatchObject({ opensAt: '2026-03-02T09:45:00.000Z', closesAt: '2026-03-02T10:35:00.000Z' }),
      ));

  it('refuses a cancelled consultation', () =>
    given([])
      .when(startCall(clinician), facts({}, { status: 'cancelled' }))
      .thenThrows(ConsultationClosed));

  it('refuses a completed consultation', () =>
    given([])
      .when(startCall(clinician), facts({}, { status: 'completed' }))
      .thenThrows(ConsultationClosed));

  it('refuses a second call while the consultation already has an active one, naming it', () =>
    given([])
      .when(startCall(patient), facts({ activeCallId: 'call-0' }))
      .thenThrows(CallAlreadyActive, (error) => expect(error.callId).toBe('call-0')));

  it('takes the media mode from the booking, not from the caller', () =>
    given([])
      .when(startCall(clinician), facts({}, { mode: 'video' }))
      .then([callStarted('video', clinician.userId)]));
});

describe('joining and leaving a call', () => {
  it('records the booked patient joining as the patient', () =>
    given([callStarted()])
      .when(joinCall(patient), facts())
      .then([joined(patient, 'patient')]));

  it("refuses a patient joining someone else's consultation", () =>
    given([callStarted()]).when(joinCall(otherPatient), facts()).thenThrows(NotACallParticipant));

  it('refuses joining outside the booked window', () =>
    given([callStarted()])
      .when(joinCall(patient, at('11:00')), facts())
      .thenThrows(OutsideBookedWindow));

  it('refuses joining a call that does not exist', () => given([]).when(joinCall(patient), facts()).thenThrows(CallNotFound));

  it('does not record a second join of someone already in the call', () =>
    given([callStarted(), joined(patient, 'patient')])
      .when(joinCall(patient), facts())
      .thenNothingHappened());

  it('records a participant leaving', () =>
    given([callStarted(), joined(patient, 'patient')])
      .when(leaveCall(patient), facts())
      .then([left(patient, 'patient')]));

  it('records nothing when someone who is not connected leaves', () =>
    given([callStarted()]).when(leaveCall(patient), facts()).thenNothingHappened());

  it('lets a participant rejoin after leaving', () =>
    given([callStarted(), joined(patient, 'patient'), left(patient, 'patient')])
      .when(joinCall(patient), facts())
      .then([joined(patient, 'patient')]));
});

describe('switching between audio and video mid-call', () => {
  it('opens a new segment of the same call and the same consultation, one further in sequence', () =>
    given([callStarted('audio'), joined(patient, 'patient')])
      .when(switchMedia(patient, 'video', 'seg-2'), facts())
      .then([switched('audio', 'video', 'seg-1', 'seg-2', 2)]));

  it('keeps numbering segments across several switches', () =>
    given([callStarted('audio'), switched('audio', 'video', 'seg-1', 'seg-2', 2)])
      .when(switchMedia(clinician, 'audio', 'seg-3'), facts())
      .then([switched('video', 'audio', 'seg-2', 'seg-3', 3, clinician)]));

  it('does nothing when switching to the mode the call is already in', () =>
    given([callStarted('video')])
      .when(switchMedia(patient, 'video', 'seg-2'), facts())
      .thenNothingHappened());

  it('refuses a switch by someone who is not in the consultation', () =>
    given([callStarted('audio')])
      .when(switchMedia(otherPatient, 'video', 'seg-2'), facts())
      .thenThrows(NotACallParticipant));

  it('carries the consultation of the call even if the caller is booked on another one', () => {
    const events = callDecider.decide(
      switchMedia(patient, 'video', 'seg-2'),
      [callStarted('audio')].reduce(callDecider.evolve, callDecider.initialState()),
      facts({}, { consultationId: 'cons-other' }),
    );
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ callId: 'call-1', consultationId: 'cons-1' });
  });
});

describe('an ended call', () => {
  const history = [callStarted(), joined(patient, 'patient'), ended()];

  it.each<[string, CallCommand]>([
    ['joining', joinCall(patient)],
    ['leaving', leaveCall(patient)],
    ['switching media', switchMedia(patient, 'video', 'seg-2')],
    ['ending it again', endCall(clinician)],
  ])('refuses %s', (_name, command) => given(history).when(command, facts()).thenThrows(CallAlreadyEnded));

  it('tells a stranger it does not concern them rather than that it ended', () =>
    given(history).when(joinCall(otherPatient), facts()).thenThrows(NotACallParticipant));

  it('is ended by a participant hanging up, naming the last segment', () =>
    given([callStarted(), switched('audio', 'video', 'seg-1', 'seg-2', 2)])
      .when(endCall(patient), facts())
      .then([ended('seg-2')]));

  it('is closed once when its consultation is cancelled, and a repeat changes nothing', () => {
    given([callStarted()])
      .when({ type: 'CloseCall', reason: 'consultation_cancelled', now: at('10:05') }, facts())
      .then([ended('seg-1', 'consultation_cancelled')]);
    given([callStarted(), ended('seg-1', 'consultation_cancelled')])
      .when({ type: 'CloseCall', reason: 'consultation_cancelled', now: at('10:06') }, facts())
      .thenNothingHappened();
  });
});
