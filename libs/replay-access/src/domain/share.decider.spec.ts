import { DeciderSpec } from '@vgp/testing';
import { type RecordingFacts } from './access-policy.js';
import {
  CannotShareWithOneself,
  InvalidShareWindow,
  ReplayResourceNotFound,
  ShareAlreadyExists,
  ShareRefused,
} from './replay-access.errors.js';
import { type ShareEvent } from './replay-access.events.js';
import { shareDecider, type ShareCommand, type ShareFacts, type ShareState } from './share.decider.js';
import {
  clinician,
  daysFrom,
  grantShare,
  NOW,
  patient,
  PATIENT,
  recording,
  revokeShare,
  viewer,
} from './testing/replay-access.builders.js';

const given = DeciderSpec.for<ShareCommand, ShareEvent, ShareState, ShareFacts>(shareDecider);
const of = (r: RecordingFacts | null = recording()): ShareFacts => ({ recording: r });

const shareGranted: ShareEvent = {
  type: 'ShareGranted',
  data: {
    shareId: 'share-1',
    recordingId: 'rec-1',
    patientId: PATIENT,
    granteeId: 'carer-cleo',
    purpose: 'carer',
    until: daysFrom(NOW, 30).toISOString(),
  },
};
const shareRevoked: ShareEvent = {
  type: 'ShareRevoked',
  data: { shareId: 'share-1', recordingId: 'rec-1', patientId: PATIENT, granteeId: 'carer-cleo' },
};

describe('a patient sharing a recording', () => {
  it('lets the patient share their recording with a carer until a date', () =>
    given([]).when(grantShare(patient()), of()).then([shareGranted]));

  it('refuses another patient exactly as it refuses an unknown recording', () => {
    const unknownRecording = new ReplayResourceNotFound('recording');
    const answeredAsUnknown = (reason: ShareRefused['reason']) => (e: ShareRefused) => {
      expect(e).toBeInstanceOf(ReplayResourceNotFound);
      expect([e.code, e.title, e.detail, e.kind]).toEqual([
        unknownRecording.code,
        unknownRecording.title,
        unknownRecording.detail,
        'not_found',
      ]);
      expect(e.reason).toBe(reason);
    };
    given([])
      .when(grantShare(patient('patient-ben')), of())
      .thenThrows(ShareRefused, answeredAsUnknown('not_a_participant'));
    given([])
      .when(grantShare(patient('patient-ben')), of(null))
      .thenThrows(ShareRefused, answeredAsUnknown('not_found'));
  });

  it('does not let the clinician share the patient’s recording', () =>
    given([]).when(grantShare(clinician()), of()).thenThrows(ShareRefused));

  it('does not let a clinic administrator share a recording', () =>
    given([])
      .when(grantShare(viewer(PATIENT, ['clinic_admin'])), of())
      .thenThrows(ShareRefused));

  it('refuses a share that has already ended or lasts more than a year', () => {
    given([])
      .when(grantShare(patient(), { until: NOW }), of())
      .thenThrows(InvalidShareWindow);
    given([])
      .when(grantShare(patient(), { until: daysFrom(NOW, 367) }), of())
      .thenThrows(InvalidShareWindow);
  });

  it('accepts a share of exactly one year', () =>
    given([])
      .when(grantShare(patient(), { until: new Date('2027-03-02T10:00:00.000Z') }), of())
      .then([{ ...shareGranted, data: { ...shareGranted.data, until: '2027-03-02T10:00:00.000Z' } }]));

  it('checks ownership before the dates, so a stranger learns nothing from the error', () =>
    given([])
      .when(grantShare(patient('patient-ben'), { until: NOW }), of())
      .thenThrows(ShareRefused));

  it('refuses sharing with oneself', () =>
    given([])
      .when(grantShare(patient(), { granteeId: PATIENT }), of())
      .thenThrows(CannotShareWithOneself));

  it('never gives the same share twice', () =>
    given([shareGranted])
      .when(grantShare(patient()), of())
      .thenThrows(ShareAlreadyExists, (e) => expect(e.kind).toBe('conflict')));
});

describe('a patient revoking a share', () => {
  it('revokes an active share', () => given([shareGranted]).when(revokeShare(patient()), of()).then([shareRevoked]));

  it('treats a second revocation as already done', () =>
    given([shareGranted, shareRevoked]).when(revokeShare(patient()), of()).thenNothingHappened());

  it('refuses an unknown share', () =>
    given([])
      .when(revokeShare(patient()), of())
      .thenThrows(ShareRefused, (e) => expect([e.code, e.reason]).toEqual(['share-not-found', 'not_found'])));

  it('refuses the grantee or anyone else revoking the patient’s share', () => {
    given([shareGranted])
      .when(revokeShare(patient('carer-cleo')), of())
      .thenThrows(ShareRefused);
    given([shareGranted])
      .when(revokeShare(patient('patient-ben')), of())
      .thenThrows(ShareRefused);
  });

  it('refuses a share named under another recording', () =>
    given([shareGranted])
      .when(revokeShare(patient(), { recordingId: 'rec-2' }), of(recording({ recordingId: 'rec-2' })))
      .thenThrows(ShareRefused));
});
