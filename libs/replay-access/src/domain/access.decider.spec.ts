import { DeciderSpec } from '@vgp/testing';
import { accessDecider, type AccessCommand, type AccessFacts, type AccessState } from './access.decider.js';
import { type AccessEvent, type DenialReason, replayDenied } from './replay-access.events.js';
import { RangeNotSatisfiable } from './replay-access.errors.js';
import {
  clinician,
  facts,
  listReplays,
  minutesFrom,
  NOW,
  patient,
  PATIENT,
  recording,
  replayGranted,
  requestGrant,
  share,
  streamReplay,
  TOKEN_SHA,
} from './testing/replay-access.builders.js';

const given = DeciderSpec.for<AccessCommand, AccessEvent, AccessState, AccessFacts>(accessDecider);

const amirasAudio = recording({ recordingId: 'rec-1', segmentSeq: 1, mode: 'audio' });
const amirasVideo = recording({ recordingId: 'rec-2', segmentSeq: 2, mode: 'video', contentType: 'video/webm' });
const bensVideo = recording({ recordingId: 'rec-9', consultationId: 'cons-9', patientId: 'patient-ben', clinicianId: 'dr-lindqvist' });
const carer = patient('carer-cleo');

describe('listing replays', () => {
  it('records which recordings, patients and consultations a patient was shown, and nothing of anyone else', () =>
    given([])
      .when(listReplays(patient()), facts([amirasAudio, bensVideo, amirasVideo]))
      .then([
        {
          type: 'ReplayListed',
          data: {
            listId: 'list-1',
            viewerId: PATIENT,
            recordingIds: ['rec-1', 'rec-2'],
            patientIds: [PATIENT],
            consultationIds: ['cons-1'],
          },
        },
      ]));

  it('records an empty list too, so the audit shows the person looked', () =>
    given([])
      .when(listReplays(patient('patient-chloe')), facts([amirasAudio, bensVideo]))
      .then([
        {
          type: 'ReplayListed',
          data: { listId: 'list-1', viewerId: 'patient-chloe', recordingIds: [], patientIds: [], consultationIds: [] },
        },
      ]));

  it('refuses every list while the kill switch is on, and records the refusal', () =>
    given([])
      .when(listReplays(patient(), { killSwitch: true }), facts([amirasAudio]))
      .then([
        { type: 'ReplayDenied', data: { viewerId: PATIENT, recordingId: '*', patientId: null, reason: 'kill_switch', operation: 'list' } },
      ]));
});

describe('granting a replay', () => {
  it('grants the patient a short-lived replay of their own recording, bound to them and storing only the token hash', () =>
    given([])
      .when(requestGrant(patient(), 'rec-2'), facts([amirasVideo]))
      .then([
        {
          type: 'ReplayGranted',
          data: {
            grantId: 'grant-1',
            viewerId: PATIENT,
            recordingId: 'rec-2',
            consultationId: 'cons-1',
            patientId: PATIENT,
            basis: 'participant',
            shareId: null,
            tokenSha256: TOKEN_SHA,
            expiresAt: minutesFrom(NOW, 2).toISOString(),
            clinicId: 'clinic-north',
            viewerRoles: ['patient'],
          },
        },
      ]));

  it('grants the grantee of an active share, naming the share', () =>
    given([])
      .when(requestGrant(carer), facts([amirasAudio], [share()]))
      .then([replayGranted(carer, amirasAudio, { basis: 'consent_share', shareId: 'share-1' })]));

  it('refuses another patient and records whose recording they asked for', () =>
    given([])
      .when(requestGrant(patient('patient-ben'), 'rec-1'), facts([amirasAudio]))
      .then([
        {
          type: 'ReplayDenied',
          data: { viewerId: 'patient-ben', recordingId: 'rec-1', patientId: PATIENT, reason: 'not_a_participant', operation: 'grant' },
        },
      ]));

  it('refuses an unknown recording and records it without a patient', () =>
    given([])
      .when(requestGrant(patient(), 'rec-404'), facts([]))
      .then([
        {
          type: 'ReplayDenied',
          data: { viewerId: PATIENT, recordingId: 'rec-404', patientId: null, reason: 'not_found', operation: 'grant' },
        },
      ]));

  it('refuses the grantee of a revoked share', () =>
    given([])
      .when(requestGrant(carer), facts([amirasAudio], [share({ revoked: true })]))
      .then([
        {
          type: 'ReplayDenied',
          data: { viewerId: 'carer-cleo', recordingId: 'rec-1', patientId: PATIENT, reason: 'share_revoked', operation: 'grant' },
        },
      ]));

  it('refuses even the patient while the kill switch is on', () =>
    given([])
      .when(requestGrant(patient(), 'rec-1', { killSwitch: true }), facts([amirasAudio]))
      .then([
        {
          type: 'ReplayDenied',
          data: { viewerId: PATIENT, recordingId: 'rec-1', patientId: PATIENT, reason: 'kill_switch', operation: 'grant' },
        },
      ]));
});

describe('streaming a granted replay', () => {
  const streamed = (rangeStart: number, rangeEnd: number, viewerId = PATIENT) => ({
    type: 'ReplayStreamed' as const,
    data: {
      grantId: 'grant-1',
      viewerId,
      recordingId: 'rec-1',
      consultationId: 'cons-1',
      patientId: PATIENT,
      rangeStart,
      rangeEnd,
      totalBytes: 1000,
    },
  });
  const denied = (reason: DenialReason, viewerId = PATIENT, recordingId = 'rec-1', patientId: string | null = PATIENT) =>
    replayDenied({ viewerId, recordingId, patientId, reason, operation: 'stream' });

  it('records the exact byte range sent to the viewer', () =>
    given([replayGranted(patient())])
      .when(streamReplay({ range: 'bytes=100-199' }), facts([amirasAudio]))
      .then([streamed(100, 199)]));

  it('records a whole-body stream as every byte of the recording', () =>
    given([replayGranted(patient())])
      .when(streamReplay(), facts([amirasAudio]))
      .then([streamed(0, 999)]));

  it('records the last bytes asked for by a suffix range', () =>
    given([replayGranted(patient())])
      .when(streamReplay({ range: 'bytes=-10' }), facts([amirasAudio]))
      .then([streamed(990, 999)]));

  it('refuses a token that was never granted, recording the viewer as anonymous', () =>
    given([])
      .when(streamReplay(), facts([amirasAudio]))
      .then([denied('grant_unknown', 'anonymous', '*', null)]));

  it('refuses a grant once it has expired', () =>
    given([replayGranted(patient())])
      .when(streamReplay({ at: minutesFrom(NOW, 2) }), facts([amirasAudio]))
      .then([denied('grant_expired')]));

  it('stops a grantee mid-replay once the patient revoked the share', () =>
    given([replayGranted(carer, amirasAudio, { basis: 'consent_share', shareId: 'share-1' })])
      .when(streamReplay(), facts([amirasAudio], [share({ revoked: true })]))
      .then([denied('share_revoked', 'carer-cleo')]));

  it('keeps a grant bound to the recording it was issued for', () =>
    given([replayGranted(clinician(), amirasAudio)])
      .when(streamReplay(), facts([amirasAudio]))
      .then([streamed(0, 999, 'dr-okafor')]));

  it('refuses a grant without the viewer it was issued to (deny by default)', () =>
    given([replayGranted(patient(), amirasAudio, { clinicId: undefined, viewerRoles: undefined })])
      .when(streamReplay(), facts([amirasAudio]))
      .then([denied('not_a_participant')]));

  it('refuses every stream while the kill switch is on', () =>
    given([replayGranted(patient())])
      .when(streamReplay({ killSwitch: true }), facts([amirasAudio]))
      .then([denied('kill_switch')]));

  it('sends nothing and records nothing for a range outside the recording', () =>
    given([replayGranted(patient())])
      .when(streamReplay({ range: 'bytes=1000-' }), facts([amirasAudio]))
      .thenThrows(RangeNotSatisfiable, (e) => expect(e.headers).toEqual({ 'Content-Range': 'bytes */1000' })));

  it('checks access before the range, so a stranger never learns the size of a recording', () =>
    given([replayGranted(patient('patient-ben'), amirasAudio)])
      .when(streamReplay({ range: 'bytes=5000-' }), facts([amirasAudio]))
      .then([denied('not_a_participant', 'patient-ben')]));
});
