import { randomUUID } from 'node:crypto';
import {
  type Actor,
  type ConsultationEventData,
  type EventEnvelope,
  type IntegrationEvent,
  type IntegrationEventType,
} from '@vgp/contracts';

type EventOf<T extends IntegrationEventType> = Extract<IntegrationEvent, { type: T }>;

export type EnvelopeOverrides = Partial<Omit<EventEnvelope, 'type' | 'data'>>;

const streamCategoryOf = (type: IntegrationEventType): string =>
  type.startsWith('Consultation')
    ? 'consultation'
    : type.startsWith('Recording')
      ? 'recording'
      : /^(Call|Participant|MediaMode)/.test(type)
        ? 'call'
        : 'access';

/**
 * The one builder of integration events for tests: any type, its data typed by the contract, and a valid
 * envelope around it (override any field). Ids are fresh unless given.
 */
export const anIntegrationEvent = <T extends IntegrationEventType>(
  type: T,
  data: EventOf<T>['data'],
  overrides: EnvelopeOverrides = {},
): EventOf<T> => {
  const key =
    (data as { consultationId?: string; recordingId?: string }).consultationId ??
    (data as { recordingId?: string }).recordingId ??
    randomUUID();
  const actor: Actor = overrides.actor ?? { id: 'dr-okafor', role: 'clinician' };
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    streamId: `${streamCategoryOf(type)}-${key}`,
    revision: 0,
    occurredAt: '2026-02-03T10:20:00.000Z',
    correlationId: `corr-${key}`,
    causationId: null,
    softwareVersion: '1.4.2',
    featureFlags: ['media-switch'],
    ...overrides,
    actor,
    data,
  } as EventOf<T>;
};

/** A valid `ConsultationCompleted`; `revision` doubles as a sequence number in ordering tests. */
export const aConsultationCompleted = (
  overrides: { consultationId?: string; revision?: number; id?: string } = {},
): EventEnvelope<'ConsultationCompleted', ConsultationEventData['ConsultationCompleted']> => {
  const { consultationId = randomUUID(), ...envelope } = overrides;
  return anIntegrationEvent('ConsultationCompleted', { consultationId }, { streamId: `consultation-${consultationId}`, ...envelope });
};
