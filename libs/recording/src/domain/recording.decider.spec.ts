import fc from 'fast-check';
import { type BookingFact, type MediaMode } from '@vgp/contracts';
import { DeciderSpec } from '@vgp/testing';
import { bindingOf, type CallBinding, type CallFact, type CallFactEvent, evolveCallFact } from './call-binding.js';
import { recordingDecider, type RecordingEvent, type StoreRecording } from './recording.decider.js';
import {
  CallBindingConflict,
  CallEnded,
  CallNotFound,
  ChecksumMismatch,
  MediaModeMismatch,
  NotACallParticipant,
  RecordingAlreadyStored,
  SegmentNotInCall,
  UnsupportedMediaType,
} from './recording.errors.js';

const SHA = 'a'.repeat(64);
const NOW = new Date('2026-03-02T10:07:00.000Z');

// Amira's consultation with Dr Okafor, in call k1; Ben's with Dr Lindqvist in call k2, at the same time.
const amira = { consultationId: 'cons-amira', callId: 'k1', clinicId: 'clinic-1', patientId: 'patient-amira', clinicianId: 'dr-okafor' };
const ben = { consultationId: 'cons-ben', callId: 'k2', clinicId: 'clinic-1', patientId: 'patient-ben', clinicianId: 'dr-lindqvist' };
type People = typeof amira;

const callStarted = (who: People, mode: MediaMode = 'audio', segmentId = `${who.callId}-s1`): CallFactEvent => ({
  type: 'CallStarted',
  data: { ...who, mode, segmentId, startedBy: who.clinicianId },
});
const switched = (who: People, from: MediaMode, to: MediaMode, seq: number): CallFactEvent => ({
  type: 'MediaModeSwitched',
  data: {
    callId: who.callId,
    consultationId: who.consultationId,
    from,
    to,
    closedSegmentId: `${who.callId}-s${seq - 1}`,
    segmentId: `${who.callId}-s${seq}`,
    segmentSeq: seq,
    switchedBy: who.patientId,
  },
});
const ended = (who: People): CallFactEvent => ({
  type: 'CallEnded',
  data: { callId: who.callId, consultationId: who.consultationId, lastSegmentId: `${who.callId}-s1`, reason: 'hangup' },
});

const bookingOf = (who: Omit<People, 'callId'>): BookingFact => ({
  consultationId: who.consultationId,
  clinicId: who.clinicId,
  patientId: who.patientId,
  clinicianId: who.clinicianId,
  startsAt: '2026-03-02T10:00:00.000Z',
  durationMinutes: 20,
  mode: 'audio',
  status: 'booked',
});

/** The call fact after these events, bound to the booking (booking facts as booked, unless given). */
const callOf = (events: CallFactEvent[], booking?: BookingFact): CallBinding => {
  const fact = events.reduce<CallFact | null>(evolveCallFact, null);
  if (!fact) throw new Error('no call in the given events');
  return bindingOf(fact, booking ?? bookingOf(fact));
};

const upload = (overrides: Partial<StoreRecording> = {}): StoreRecording => ({
  type: 'StoreRecording',
  recordingId: 'rec-1',
  callId: 'k1',
  uploaderId: amira.clinicianId,
  uploaderClinicId: 'clinic-1',
  contentType: 'audio/webm',
  sha256: SHA,
  bytes: 4096,
  objectKey: 'recordings/clinic-1/cons-amira/k1/rec-1',
  now: NOW,
  ...overrides,
});

const stored = (
  who: People,
  segment: { segmentId: string; seq: number; mode: MediaMode },
  overrides: Partial<RecordingEvent['data']> = {},
): RecordingEvent => ({
  type: 'RecordingStored',
  data: {
    recordingId: 'rec-1',
    consultationId: who.consultationId,
    callId: who.callId,
    segmentId: segment.segmentId,
    segmentSeq: segment.seq,
    clinicId: who.clinicId,
    patientId: who.patientId,
    clinicianId: who.clinicianId,
    mode: segment.mode,
    contentType: segment.mode === 'video' ? 'video/webm' : 'audio/webm',
    bytes: 4096,
    sha256: SHA,
    objectKey: 'recordings/clinic-1/cons-amira/k1/rec-1',
    uploadedBy: who.clinicianId,
    recordedAt: NOW.toISOString(),
    ...overrides,
  },
});

const given = DeciderSpec.for(recordingDecider);

describe('storing a recording of a call', () => {
  it("binds it to the call's consultation, patient and clinician and to the current segment", () =>
    given([])
      .when(upload(), callOf([callStarted(amira)]))
      .then([stored(amira, { segmentId: 'k1-s1', seq: 1, mode: 'audio' })]));

  it("lets the patient upload their own call's recording", () =>
    given([])
      .when(upload({ uploaderId: amira.patientId }), callOf([callStarted(amira)]))
      .then([stored(amira, { segmentId: 'k1-s1', seq: 1, mode: 'audio' }, { uploadedBy: amira.patientId })]));

  it("refuses an upload to another patient's call as if the call did not exist", () =>
    given([])
      .when(upload({ uploaderId: ben.patientId }), callOf([callStarted(amira)]))
      .thenThrows(NotACallParticipant, (e) => {
        const unknown = new CallNotFound();
        expect({ code: e.code, kind: e.kind, title: e.title, detail: e.detail }).toEqual({
          code: unknown.code,
          kind: unknown.kind,
          title: unknown.title,
          detail: unknown.detail,
        });
      }));

  it('refuses the right clinician acting under another clinic', () =>
    given([])
      .when(upload({ uploaderClinicId: 'clinic-2' }), callOf([callStarted(amira)]))
      .thenThrows(NotACallParticipant));

  it('refuses an upload to a call this service does not know', () => given([]).when(upload(), null).thenThrows(CallNotFound));

  it('refuses an upload to a call that has ended', () =>
    given([])
      .when(upload(), callOf([callStarted(amira), ended(amira)]))
      .thenThrows(CallEnded));

  it('refuses a body that is not audio or video', () =>
    given([])
      .when(upload({ contentType: 'application/pdf' }), callOf([callStarted(amira)]))
      .thenThrows(UnsupportedMediaType));

  it('refuses bytes that are not the ones the uploader declared', () =>
    given([])
      .when(upload({ declaredSha256: 'b'.repeat(64) }), callOf([callStarted(amira)]))
      .thenThrows(ChecksumMismatch));

  it('accepts a declared digest in capitals when it matches', () =>
    given([])
      .when(upload({ declaredSha256: 'A'.repeat(64) }), callOf([callStarted(amira)]))
      .then([stored(amira, { segmentId: 'k1-s1', seq: 1, mode: 'audio' })]));

  it('refuses storing the same recording twice', () =>
    given([stored(amira, { segmentId: 'k1-s1', seq: 1, mode: 'audio' })])
      .when(upload(), callOf([callStarted(amira)]))
      .thenThrows(RecordingAlreadyStored));
});

describe('a media switch mid-call', () => {
  const afterSwitch = [callStarted(amira, 'audio'), switched(amira, 'audio', 'video', 2)];

  it('stores the next upload in the new segment, still of the same consultation and patient', () =>
    given([])
      .when(upload({ contentType: 'video/webm' }), callOf(afterSwitch))
      .then([stored(amira, { segmentId: 'k1-s2', seq: 2, mode: 'video' })]));

  it('still accepts a late upload of the earlier segment when it is named', () =>
    given([])
      .when(upload({ requestedSegmentId: 'k1-s1' }), callOf(afterSwitch))
      .then([stored(amira, { segmentId: 'k1-s1', seq: 1, mode: 'audio' })]));

  it("refuses a segment of someone else's call", () =>
    given([])
      .when(upload({ requestedSegmentId: 'k2-s1' }), callOf(afterSwitch))
      .thenThrows(SegmentNotInCall));

  it('refuses a video body for the audio segment it would be filed under', () =>
    given([])
      .when(upload({ contentType: 'video/webm', requestedSegmentId: 'k1-s1' }), callOf(afterSwitch))
      .thenThrows(MediaModeMismatch, (e) => expect(e.extensions).toEqual({ segmentId: 'k1-s1', segmentMode: 'audio' })));
});

describe('binding never comes from the request', () => {
  it('takes the consultation and patient from the booking when the call names someone else', () =>
    given([])
      .when(upload(), callOf([callStarted(amira)], bookingOf({ ...amira, patientId: 'patient-other' })))
      .thenThrows(CallBindingConflict));

  it('ignores a consultation the uploader booked elsewhere: only the call decides', () => {
    // Dr Okafor also holds other consultations; the upload to k1 is still Amira's.
    const events = recordingDecider.decide(upload({ uploaderId: amira.clinicianId }), { status: 'none' }, callOf([callStarted(amira)]));
    expect(events[0].data).toMatchObject({ consultationId: amira.consultationId, patientId: amira.patientId });
  });

  it('files every upload under its own call, whatever the switches and the order of uploads across two concurrent calls', () => {
    type Step = { kind: 'switch'; call: 0 | 1 } | { kind: 'upload'; call: 0 | 1; byPatient: boolean; pickEarlier: number | null };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('switch' as const), call: fc.constantFrom(0 as const, 1 as const) }),
      fc.record({
        kind: fc.constant('upload' as const),
        call: fc.constantFrom(0 as const, 1 as const),
        byPatient: fc.boolean(),
        pickEarlier: fc.option(fc.nat(10), { nil: null }),
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<MediaMode>('audio', 'video'),
        fc.constantFrom<MediaMode>('audio', 'video'),
        fc.array(step, { maxLength: 30 }),
        (modeA, modeB, steps) => {
          const people = [amira, ben];
          const history: CallFactEvent[][] = [[callStarted(amira, modeA)], [callStarted(ben, modeB)]];
          let n = 0;
          for (const s of steps) {
            const call = callOf(history[s.call]);
            if (s.kind === 'switch') {
              const current = call.segments[call.segments.length - 1];
              history[s.call].push(switched(people[s.call], current.mode, current.mode === 'audio' ? 'video' : 'audio', current.seq + 1));
              continue;
            }
            const who = people[s.call];
            const segment =
              s.pickEarlier === null ? call.segments[call.segments.length - 1] : call.segments[s.pickEarlier % call.segments.length];
            const [event] = recordingDecider.decide(
              upload({
                recordingId: `rec-${n++}`,
                callId: who.callId,
                uploaderId: s.byPatient ? who.patientId : who.clinicianId,
                requestedSegmentId: s.pickEarlier === null ? undefined : segment.segmentId,
                contentType: `${segment.mode}/webm`,
              }),
              { status: 'none' },
              call,
            );
            expect(event.data).toMatchObject({
              consultationId: who.consultationId,
              patientId: who.patientId,
              clinicianId: who.clinicianId,
              callId: who.callId,
              segmentId: segment.segmentId,
              segmentSeq: segment.seq,
              mode: segment.mode,
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
