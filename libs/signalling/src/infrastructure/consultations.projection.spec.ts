import { type StoredEvent } from '@vgp/event-store';
import { anIntegrationEvent, ProjectionSpec } from '@vgp/testing';
import { signallingConsultationsProjection, SIGNALLING_CONSULTATIONS } from './consultations.projection.js';

// As the inbox stores them: one inbox stream per consultation.
const inbox = { streamId: 'inbox-cons-1' };
const booking = {
  consultationId: 'cons-1',
  clinicId: 'clinic-1',
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: '2026-03-02T10:00:00.000Z',
  durationMinutes: 20,
  mode: 'audio' as const,
};
const booked = (revision: number, position: number): StoredEvent => ({
  ...anIntegrationEvent('ConsultationBooked', booking, { ...inbox, revision }),
  position,
});
const cancelled = (revision: number, position: number): StoredEvent => ({
  ...anIntegrationEvent('ConsultationCancelled', { consultationId: 'cons-1', reason: 'patient_request' }, { ...inbox, revision }),
  position,
});
const rescheduled = (revision: number, position: number): StoredEvent => ({
  ...anIntegrationEvent(
    'ConsultationRescheduled',
    { consultationId: 'cons-1', startsAt: '2026-03-02T11:00:00.000Z', durationMinutes: 30 },
    { ...inbox, revision },
  ),
  position,
});

const given = ProjectionSpec.for(signallingConsultationsProjection);

describe("signalling's copy of the booking facts", () => {
  it('follows a reschedule', () =>
    given([booked(0, 1)])
      .when(rescheduled(1, 2))
      .then(SIGNALLING_CONSULTATIONS, 'cons-1', {
        ...booking,
        startsAt: '2026-03-02T11:00:00.000Z',
        durationMinutes: 30,
        status: 'booked',
      }));

  // The shared rule: a late or repeated booking never reopens a cancelled consultation.
  it('keeps a cancelled consultation cancelled when its booking arrives again', () =>
    given([booked(0, 1), cancelled(1, 2)])
      .when(booked(2, 3))
      .then(SIGNALLING_CONSULTATIONS, 'cons-1', { ...booking, status: 'cancelled' }));
});
