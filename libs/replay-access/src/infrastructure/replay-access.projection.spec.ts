import { type ConsultationEventData, type IntegrationEvent, type RecordingEventData } from '@vgp/contracts';
import { type StoredEvent } from '@vgp/event-store';
import { anIntegrationEvent, ProjectionSpec } from '@vgp/testing';
import { REPLAY_COLLECTIONS, replayAccessProjection } from './replay-access.projection.js';

let position = 0;
/** A stored copy of an event in the context's own store, next in the global order. */
/** An event as the store holds it, next in the global order; by default an inbox copy in a stream of its own. */
const stored = (event: IntegrationEvent, at: { streamId?: string; revision?: number } = {}): StoredEvent => ({
  ...event,
  streamId: at.streamId ?? `inbox-${position + 1}`,
  revision: at.revision ?? 0,
  position: ++position,
});

const given = ProjectionSpec.for(replayAccessProjection);

const booking: ConsultationEventData['ConsultationBooked'] = {
  consultationId: 'cons-1',
  clinicId: 'clinic-north',
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: '2026-03-02T10:00:00.000Z',
  durationMinutes: 20,
  mode: 'audio',
};
const booked = (data = booking) => stored(anIntegrationEvent('ConsultationBooked', data));
const fact = (status: 'booked' | 'cancelled' | 'completed') => ({ ...booking, status });

const recordingStored = (data: Partial<RecordingEventData['RecordingStored']> = {}) =>
  stored(
    anIntegrationEvent('RecordingStored', {
      recordingId: 'rec-1',
      consultationId: 'cons-1',
      callId: 'call-1',
      segmentId: 'seg-1',
      segmentSeq: 1,
      clinicId: 'clinic-north',
      patientId: 'patient-amira',
      clinicianId: 'dr-okafor',
      mode: 'video',
      contentType: 'video/webm',
      bytes: 10,
      sha256: 'a'.repeat(64),
      objectKey: 'first.webm',
      uploadedBy: 'dr-okafor',
      recordedAt: '2026-03-02T10:05:00.000Z',
      ...data,
    }),
  );

const share = { shareId: 'share-1', recordingId: 'rec-1', patientId: 'patient-amira', granteeId: 'carer-cleo' };

describe('the booking facts replay-access decides on', () => {
  it('keeps who a consultation is between, as booked', () =>
    given([]).when(booked()).then(REPLAY_COLLECTIONS.bookings, 'cons-1', fact('booked')));

  it('keeps a cancelled consultation cancelled when its booking is delivered again late', () =>
    given([booked(), stored(anIntegrationEvent('ConsultationCancelled', { consultationId: 'cons-1', reason: 'patient_request' }))])
      .when(booked())
      .then(REPLAY_COLLECTIONS.bookings, 'cons-1', fact('cancelled')));

  it('never lets a repeated booking re-bind the consultation to other people', () =>
    given([booked()])
      .when(booked({ ...booking, patientId: 'patient-ben', clinicianId: 'dr-lindqvist' }))
      .then(REPLAY_COLLECTIONS.bookings, 'cons-1', fact('booked')));

  it('ignores the end of a consultation it never saw booked', () =>
    given([])
      .when(stored(anIntegrationEvent('ConsultationCompleted', { consultationId: 'cons-9' })))
      .then(REPLAY_COLLECTIONS.bookings, 'cons-9', null));
});

describe('the recordings replay-access knows', () => {
  it('keeps the first binding of a recording id, in arrival order', async () => {
    const first = recordingStored();
    await given([first])
      .when(recordingStored({ consultationId: 'cons-2', objectKey: 'second.webm' }))
      .then(
        REPLAY_COLLECTIONS.recordings,
        'rec-1',
        expect.objectContaining({ consultationId: 'cons-1', objectKey: 'first.webm', storedAt: first.position }),
      );
  });
});

describe('consent shares and grants', () => {
  it('marks a share revoked, keeping what it was', () =>
    given([
      stored(anIntegrationEvent('ShareGranted', { ...share, purpose: 'carer', until: '2026-04-01T00:00:00.000Z' }), {
        streamId: 'share-share-1',
      }),
    ])
      .when(stored(anIntegrationEvent('ShareRevoked', share), { streamId: 'share-share-1', revision: 1 }))
      .then(REPLAY_COLLECTIONS.shares, 'share-1', { ...share, purpose: 'carer', until: '2026-04-01T00:00:00.000Z', revoked: true }));

  it('keeps a grant by the hash of its token, bound to its viewer', () =>
    given([])
      .when(
        stored(
          anIntegrationEvent('ReplayGranted', {
            grantId: 'grant-1',
            viewerId: 'patient-amira',
            recordingId: 'rec-1',
            consultationId: 'cons-1',
            patientId: 'patient-amira',
            basis: 'participant',
            shareId: null,
            tokenSha256: 'b'.repeat(64),
            expiresAt: '2026-03-02T10:02:00.000Z',
          }),
        ),
      )
      .then(REPLAY_COLLECTIONS.grants, 'b'.repeat(64), {
        grantId: 'grant-1',
        tokenSha256: 'b'.repeat(64),
        viewerId: 'patient-amira',
        // A grant recorded before viewers were bound to it replays as nobody's (deny by default).
        viewerRoles: [],
        clinicId: null,
        recordingId: 'rec-1',
        expiresAt: '2026-03-02T10:02:00.000Z',
      }));

  it('folds no access decision other than a grant', () =>
    given([])
      .when(
        stored(
          anIntegrationEvent('ReplayListed', {
            listId: 'list-1',
            viewerId: 'patient-amira',
            recordingIds: ['rec-1'],
            patientIds: ['patient-amira'],
            consultationIds: ['cons-1'],
          }),
        ),
      )
      .thenFind(REPLAY_COLLECTIONS.grants, {}, []));
});
