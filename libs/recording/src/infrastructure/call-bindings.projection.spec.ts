import type { IntegrationEvent } from '@vgp/contracts';
import type { StoredEvent } from '@vgp/event-store';
import { applyProjectionEvent, InMemoryReadModelStore } from '@vgp/read-models';
import { anIntegrationEvent, ProjectionSpec } from '@vgp/testing';
import { RECORDING_BOOKINGS, RECORDING_CALLS, recordingCallBindingsProjection } from './call-bindings.projection.js';
import { ReadModelCallBindingQueries } from './read-model-call-binding.queries.js';

const amira = { consultationId: 'cons-amira', clinicId: 'clinic-1', patientId: 'patient-amira', clinicianId: 'dr-okafor' };
const booking = { ...amira, startsAt: '2026-03-02T10:00:00.000Z', durationMinutes: 20, mode: 'audio' as const };
const started = { ...amira, callId: 'k1', mode: 'audio' as const, segmentId: 'k1-s1', startedBy: amira.clinicianId };
const switched = {
  callId: 'k1',
  consultationId: amira.consultationId,
  from: 'audio' as const,
  to: 'video' as const,
  closedSegmentId: 'k1-s1',
  segmentId: 'k1-s2',
  segmentSeq: 2,
  switchedBy: amira.patientId,
};

/** The inbox's copies: every event of the consultation in `inbox-<consultationId>`, in order. */
const inbox = (...events: IntegrationEvent[]): StoredEvent[] =>
  events.map((event, i) => ({ ...event, streamId: `inbox-${amira.consultationId}`, revision: i, position: i + 1 }));
const an = anIntegrationEvent;

const given = ProjectionSpec.for(recordingCallBindingsProjection);

describe('the call-bindings projection', () => {
  it("keeps the call's segments and status", () => {
    const [start, sw, end] = inbox(
      an('CallStarted', started),
      an('MediaModeSwitched', switched),
      an('CallEnded', { callId: 'k1', consultationId: amira.consultationId, lastSegmentId: 'k1-s2', reason: 'hangup' }),
    );
    return given([start, sw])
      .when(end)
      .then(RECORDING_CALLS, 'k1', {
        ...amira,
        callId: 'k1',
        status: 'ended',
        segments: [
          { segmentId: 'k1-s1', seq: 1, mode: 'audio' },
          { segmentId: 'k1-s2', seq: 2, mode: 'video' },
        ],
        currentSegmentId: 'k1-s2',
      });
  });

  it('does not reset the segments on a redelivered CallStarted', () => {
    const [start, sw, again] = inbox(an('CallStarted', started), an('MediaModeSwitched', switched), an('CallStarted', started));
    return given([start, sw])
      .when(again)
      .then(RECORDING_CALLS, 'k1', expect.objectContaining({ currentSegmentId: 'k1-s2' }));
  });

  it('keeps the booking as first booked: a late repeat after a cancellation does not reopen it', () => {
    const [booked, cancelled, late] = inbox(
      an('ConsultationBooked', booking),
      an('ConsultationCancelled', { consultationId: amira.consultationId, reason: 'patient_request' }),
      an('ConsultationBooked', { ...booking, patientId: 'patient-other' }),
    );
    return given([booked, cancelled])
      .when(late)
      .then(RECORDING_BOOKINGS, amira.consultationId, { ...booking, status: 'cancelled' });
  });
});

describe('call bindings as the upload reads them', () => {
  const bindingAfter = async (...events: IntegrationEvent[]) => {
    const readModels = new InMemoryReadModelStore();
    for (const event of inbox(...events)) await applyProjectionEvent(recordingCallBindingsProjection, readModels, event);
    return new ReadModelCallBindingQueries(readModels).get('k1');
  };

  it('binds the call to the people booking names', async () =>
    expect(await bindingAfter(an('ConsultationBooked', booking), an('CallStarted', started))).toMatchObject({
      ...amira,
      consistent: true,
    }));

  it('takes who from the booking and marks a call naming someone else inconsistent', async () =>
    expect(
      await bindingAfter(an('ConsultationBooked', booking), an('CallStarted', { ...started, patientId: 'patient-ben' })),
    ).toMatchObject({
      patientId: amira.patientId,
      consistent: false,
    }));

  it('knows no call it was never told of', async () => expect(await bindingAfter(an('ConsultationBooked', booking))).toBeNull());
});
