import { randomUUID } from 'node:crypto';
import { ConsultationEventData, EventEnvelope } from '@vgp/contracts';

/** A valid `ConsultationCompleted`; `revision` doubles as a sequence number in ordering tests. */
export const aConsultationCompleted = (
  overrides: { consultationId?: string; revision?: number; id?: string } = {},
): EventEnvelope<'ConsultationCompleted', ConsultationEventData['ConsultationCompleted']> => {
  const consultationId = overrides.consultationId ?? randomUUID();
  return {
    id: overrides.id ?? randomUUID(),
    type: 'ConsultationCompleted',
    schemaVersion: 1,
    streamId: `consultation-${consultationId}`,
    revision: overrides.revision ?? 0,
    occurredAt: '2026-02-03T10:20:00.000Z',
    correlationId: `corr-${consultationId}`,
    causationId: null,
    actor: { id: 'dr-okafor', role: 'clinician' },
    softwareVersion: '1.4.2',
    featureFlags: ['media-switch'],
    data: { consultationId },
  };
};
