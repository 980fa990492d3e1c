import { type IntegrationEventType } from '@vgp/contracts';
import { type StoredEvent } from '@vgp/event-store';
import { anIntegrationEvent, ProjectionSpec } from '@vgp/testing';
import { signallingCallsProjection, SIGNALLING_ACTIVE_CALLS, SIGNALLING_CALLS } from './calls.projection.js';

let position = 0;
/** A call event as this service's store holds it, in stream `call-<callId>`. */
const stored = <T extends IntegrationEventType>(
  type: T,
  data: Parameters<typeof anIntegrationEvent<T>>[1],
  callId: string,
  revision: number,
): StoredEvent => ({ ...anIntegrationEvent(type, data, { streamId: `call-${callId}`, revision }), position: ++position });

const people = { clinicId: 'clinic-1', patientId: 'patient-amira', clinicianId: 'dr-okafor' };
const started = (callId: string) =>
  stored(
    'CallStarted',
    { callId, consultationId: 'cons-1', ...people, mode: 'audio', segmentId: `${callId}-seg-1`, startedBy: 'dr-okafor' },
    callId,
    0,
  );
const joined = (callId: string, revision: number) =>
  stored('ParticipantJoined', { callId, consultationId: 'cons-1', userId: 'patient-amira', role: 'patient' }, callId, revision);
const ended = (callId: string, revision: number) =>
  stored('CallEnded', { callId, consultationId: 'cons-1', lastSegmentId: `${callId}-seg-1`, reason: 'hangup' }, callId, revision);

const given = ProjectionSpec.for(signallingCallsProjection);

describe('the calls read model', () => {
  it('holds each call as the decider folds it', () =>
    given([started('call-1')])
      .when(joined('call-1', 1))
      .then(SIGNALLING_CALLS, 'call-1', {
        status: 'active',
        callId: 'call-1',
        consultationId: 'cons-1',
        ...people,
        mode: 'audio',
        segments: [{ segmentId: 'call-1-seg-1', seq: 1, mode: 'audio' }],
        currentSegmentId: 'call-1-seg-1',
        online: ['patient-amira'],
      }));

  it("names the consultation's running call", () =>
    given([]).when(started('call-1')).then(SIGNALLING_ACTIVE_CALLS, 'cons-1', { consultationId: 'cons-1', callId: 'call-1' }));

  it('forgets the running call once it ends', () =>
    given([started('call-1')])
      .when(ended('call-1', 1))
      .then(SIGNALLING_ACTIVE_CALLS, 'cons-1', null));

  it('keeps the call that took over when an older call of the consultation ends', () =>
    given([started('call-1'), started('call-2')])
      .when(ended('call-1', 1))
      .then(SIGNALLING_ACTIVE_CALLS, 'cons-1', { consultationId: 'cons-1', callId: 'call-2' }));
});
