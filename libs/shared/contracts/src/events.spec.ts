import { InvalidIntegrationEvent, parseIntegrationEvent } from './events.js';

const denial = (actor: Record<string, unknown>) => ({
  id: '00000000-0000-4000-8000-000000000001',
  type: 'ReplayDenied',
  schemaVersion: 1,
  streamId: 'replay-access-patient-1',
  revision: 0,
  occurredAt: '2026-03-01T09:00:00.000Z',
  correlationId: 'corr-1',
  causationId: null,
  actor,
  softwareVersion: '2.4.0',
  featureFlags: [],
  data: { viewerId: 'patient-1', recordingId: 'r-guessed', patientId: null, reason: 'not_found', operation: 'grant' },
});

describe('an integration event crossing the bus', () => {
  it('keeps the clinic of the token its actor acted under (the audit files it there)', () => {
    const event = parseIntegrationEvent(denial({ id: 'patient-1', role: 'patient', clinicId: 'clinic-2' }));
    expect(event.actor).toEqual({ id: 'patient-1', role: 'patient', clinicId: 'clinic-2' });
  });

  it('still reads an event recorded before the actor had a clinic, and invents none', () => {
    const event = parseIntegrationEvent(denial({ id: 'patient-1', role: 'patient' }));
    expect(event.actor).toEqual({ id: 'patient-1', role: 'patient' });
    expect('clinicId' in event.actor).toBe(false);
  });

  it('refuses an actor whose clinic is not an id', () => {
    expect(() => parseIntegrationEvent(denial({ id: 'patient-1', role: 'patient', clinicId: '' }))).toThrow(InvalidIntegrationEvent);
    expect(() => parseIntegrationEvent(denial({ id: 'patient-1', role: 'patient', clinicId: 7 }))).toThrow(InvalidIntegrationEvent);
  });
});
