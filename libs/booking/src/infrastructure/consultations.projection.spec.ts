import type { IntegrationEvent } from '@vgp/contracts';
import type { StoredEvent } from '@vgp/event-store';
import { anIntegrationEvent, ProjectionSpec } from '@vgp/testing';
import { CONSULTATIONS_COLLECTION, consultationsProjection } from './consultations.projection.js';

const C1 = '11111111-1111-4111-8111-111111111111';
const BOOKED_AT = '2026-02-03T10:00:00.000Z';
const LATER = '2026-02-04T12:00:00.000Z';

let position = 0;
const stored = (event: IntegrationEvent, revision: number, occurredAt: string): StoredEvent => ({
  ...event,
  streamId: `consultation-${C1}`,
  revision,
  occurredAt,
  position: ++position,
});

const booked = stored(
  anIntegrationEvent('ConsultationBooked', {
    consultationId: C1,
    clinicId: 'clinic-1',
    patientId: 'patient-amira',
    clinicianId: 'dr-okafor',
    startsAt: '2026-03-01T09:00:00.000Z',
    durationMinutes: 20,
    mode: 'video',
  }),
  0,
  BOOKED_AT,
);
const rescheduled = (revision: number) =>
  stored(
    anIntegrationEvent('ConsultationRescheduled', { consultationId: C1, startsAt: '2026-03-02T10:00:00.000Z', durationMinutes: 30 }),
    revision,
    LATER,
  );
const cancelled = (revision: number) =>
  stored(anIntegrationEvent('ConsultationCancelled', { consultationId: C1, reason: 'no_show' }), revision, LATER);
const completed = (revision: number) => stored(anIntegrationEvent('ConsultationCompleted', { consultationId: C1 }), revision, LATER);

const view = {
  consultationId: C1,
  clinicId: 'clinic-1',
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: '2026-03-01T09:00:00.000Z',
  endsAt: '2026-03-01T09:20:00.000Z',
  durationMinutes: 20,
  mode: 'video',
  status: 'booked',
  cancelReason: null,
  bookedAt: BOOKED_AT,
  updatedAt: BOOKED_AT,
};

const given = ProjectionSpec.for(consultationsProjection);

describe('the consultations projection', () => {
  it('shows a booking with its end and when it was booked', () => given([]).when(booked).then(CONSULTATIONS_COLLECTION, C1, view));

  it('moves a rescheduled consultation and its end', () =>
    given([booked])
      .when(rescheduled(1))
      .then(CONSULTATIONS_COLLECTION, C1, {
        ...view,
        startsAt: '2026-03-02T10:00:00.000Z',
        endsAt: '2026-03-02T10:30:00.000Z',
        durationMinutes: 30,
        updatedAt: LATER,
      }));

  it('keeps the reason of a cancellation', () =>
    given([booked])
      .when(cancelled(1))
      .then(CONSULTATIONS_COLLECTION, C1, { ...view, status: 'cancelled', cancelReason: 'no_show', updatedAt: LATER }));

  it('marks a completed consultation', () =>
    given([booked])
      .when(completed(1))
      .then(CONSULTATIONS_COLLECTION, C1, { ...view, status: 'completed', updatedAt: LATER }));

  it('leaves a closed consultation as it is (the shared booking-facts rule)', () =>
    given([booked, completed(1)])
      .when(rescheduled(2), cancelled(3))
      .then(CONSULTATIONS_COLLECTION, C1, { ...view, status: 'completed', updatedAt: LATER }));

  it('ignores changes to a consultation it never saw booked', () => given([]).when(cancelled(1)).then(CONSULTATIONS_COLLECTION, C1, null));
});
