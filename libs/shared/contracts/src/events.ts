import { z } from 'zod';
import { consultationEventSchemas } from './booking.events.js';
import { callEventSchemas } from './signalling.events.js';
import { recordingEventSchemas } from './recording.events.js';
import { replayEventSchemas } from './replay.events.js';
import { type EventEnvelope, envelopeSchema } from './envelope.js';
import { TOPICS, type Topic } from './topics.js';

type DataOf<S extends Record<string, z.ZodTypeAny>> = { [K in keyof S]: z.infer<S[K]> };

export type ConsultationEventData = DataOf<typeof consultationEventSchemas>;
export type CallEventData = DataOf<typeof callEventSchemas>;
export type RecordingEventData = DataOf<typeof recordingEventSchemas>;
export type ReplayEventData = DataOf<typeof replayEventSchemas>;

type Union<M> = { [K in keyof M & string]: EventEnvelope<K, M[K]> }[keyof M & string];

export type ConsultationIntegrationEvent = Union<ConsultationEventData>;
export type CallIntegrationEvent = Union<CallEventData>;
export type RecordingIntegrationEvent = Union<RecordingEventData>;
export type ReplayIntegrationEvent = Union<ReplayEventData>;
export type IntegrationEvent = ConsultationIntegrationEvent | CallIntegrationEvent | RecordingIntegrationEvent | ReplayIntegrationEvent;
export type IntegrationEventType = IntegrationEvent['type'];

const registry: Record<string, { topic: Topic; schema: z.ZodTypeAny }> = {};
const register = (topic: Topic, schemas: Record<string, z.ZodTypeAny>) => {
  for (const [type, schema] of Object.entries(schemas)) registry[type] = { topic, schema };
};
register(TOPICS.consultation, consultationEventSchemas);
register(TOPICS.call, callEventSchemas);
register(TOPICS.recording, recordingEventSchemas);
register(TOPICS.replay, replayEventSchemas);

export const INTEGRATION_EVENT_TYPES = Object.keys(registry) as IntegrationEventType[];

export const isIntegrationEventType = (type: string): type is IntegrationEventType => type in registry;

export const topicOf = (type: IntegrationEventType): Topic => registry[type].topic;

export class InvalidIntegrationEvent extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid integration event: ${issues.join('; ')}`);
    this.name = 'InvalidIntegrationEvent';
  }
}

/**
 * Validates an event that crossed a process boundary (bus, HTTP import) before anything
 * acts on it: envelope first, then the data of its type at its schema version.
 */
export const parseIntegrationEvent = (raw: unknown): IntegrationEvent => {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new InvalidIntegrationEvent(envelope.error.issues.map(formatIssue));
  const entry = registry[envelope.data.type];
  if (!entry) throw new InvalidIntegrationEvent([`unknown event type ${envelope.data.type}`]);
  const data = entry.schema.safeParse(envelope.data.data);
  if (!data.success) throw new InvalidIntegrationEvent(data.error.issues.map(formatIssue));
  return { ...envelope.data, data: data.data } as IntegrationEvent;
};

/** The partition key on the bus: every integration event names its consultation. */
export const consultationIdOf = (event: IntegrationEvent): string => {
  const data = event.data as { consultationId?: string; recordingId?: string; viewerId?: string };
  return data.consultationId ?? data.recordingId ?? data.viewerId ?? event.streamId;
};

const formatIssue = (issue: z.ZodIssue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`;
