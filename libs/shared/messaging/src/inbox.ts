import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { consultationIdOf, type IntegrationEvent, parseIntegrationEvent } from '@vgp/contracts';
import { type EventStore } from '@vgp/event-store';
import { type Consumer, type MessageBus } from './message-bus.port.js';

export type InboxOptions = {
  store: EventStore;
  bus: MessageBus;
  groupId: string;
  topics: string[];
  /** Keeps only the events this context needs; the rest are acknowledged and dropped. */
  accept?: (event: IntegrationEvent) => boolean;
  maxAttempts?: number;
};

/** Runs `fn` as the work of one correlation id (the platform's `runWithCorrelationId`). */
export type CorrelationScope = <T>(correlationId: string, fn: () => T) => T;

let correlationScope: CorrelationScope = (_correlationId, fn) => fn();

/**
 * PlatformModule installs its request context here at boot, so inbox work runs (and logs) under the
 * event's correlation id. Injected rather than imported: the platform already depends on messaging.
 */
export const useCorrelationScope = (scope: CorrelationScope): void => {
  correlationScope = scope;
};

const tracer = trace.getTracer('@vgp/messaging');

/**
 * Copies other contexts' integration events into the own store, in `inbox-<consultationId>`,
 * under the SAME event id: a redelivery is an idempotent append, stored once. An event that fails
 * validation throws, so the bus retries it and then dead-letters it.
 *
 * Each delivery is a root CONSUMER span carrying the event's correlation id, the key to the
 * producer's spans (see startOutbox).
 */
export const startInbox = ({ store, bus, groupId, topics, accept, maxAttempts }: InboxOptions): Promise<Consumer> =>
  bus.subscribe({
    groupId,
    topics,
    maxAttempts,
    handler: (raw, delivery) =>
      // Named by topic until the event is validated: an unchecked type must not name a span.
      tracer.startActiveSpan(
        `consume ${delivery.topic}`,
        {
          kind: SpanKind.CONSUMER,
          root: true,
          attributes: {
            'messaging.destination.name': delivery.topic,
            'messaging.operation.type': 'process',
            'messaging.consumer.group.name': groupId,
          },
        },
        async (span) => {
          try {
            const event = parseIntegrationEvent(raw);
            span.updateName(`consume ${event.type}`);
            span.setAttributes({ 'vgp.correlation_id': event.correlationId, 'vgp.event_id': event.id });
            if (accept && !accept(event)) return;
            await correlationScope(event.correlationId, () => appendToInbox(store, event));
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
            throw error;
          } finally {
            span.end();
          }
        },
      ),
  });

const appendToInbox = (store: EventStore, event: IntegrationEvent) =>
  store.append(
    `inbox-${consultationIdOf(event)}`,
    [
      {
        id: event.id,
        type: event.type,
        data: event.data,
        schemaVersion: event.schemaVersion,
        occurredAt: event.occurredAt,
        metadata: {
          correlationId: event.correlationId,
          causationId: event.causationId,
          actor: event.actor,
          softwareVersion: event.softwareVersion,
          featureFlags: event.featureFlags,
        },
      },
    ],
    'any',
  );
