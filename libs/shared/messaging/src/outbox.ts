import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { consultationIdOf, type IntegrationEvent, isIntegrationEventType, topicOf } from '@vgp/contracts';
import { type EventStore, type StoredEvent, type Subscription } from '@vgp/event-store';
import { type MessageBus } from './message-bus.port.js';

export type OutboxOptions = {
  store: EventStore;
  bus: MessageBus;
  /** Names the checkpoint; keep it stable across releases or the outbox republishes everything. */
  subscriptionId: string;
  /** The categories this context owns. Never include `inbox`: that would republish what others sent. */
  categories: string[];
  logger?: { warn(message: string): void };
};

const tracer = trace.getTracer('@vgp/messaging');

/**
 * Forwards the integration events a context appended to its own store to their topics, keyed by
 * consultation id. The checkpoint moves only after the bus accepted an event, so a crash
 * republishes at most the event in hand; consumers store by event id and ignore the repeat.
 *
 * Each publish is a PRODUCER span carrying the event's correlation id, which is how a flow is
 * followed across services (the envelope has no headers for a traceparent). It is a root span:
 * the subscription loop's async context belongs to no request.
 */
export const startOutbox = ({ store, bus, subscriptionId, categories, logger }: OutboxOptions): Subscription =>
  store.subscribe({ subscriptionId, categories }, async (stored) => {
    if (!isIntegrationEventType(stored.type)) return;
    const event = toIntegrationEvent(stored);
    const topic = topicOf(event.type);
    const attributes = {
      'vgp.correlation_id': event.correlationId,
      'vgp.event_id': event.id,
      'messaging.destination.name': topic,
      'messaging.operation.type': 'send',
    };
    await tracer.startActiveSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, root: true, attributes }, async (span) => {
      try {
        await bus.publish(topic, [{ key: consultationIdOf(event), event }]);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
        logger?.warn(
          `outbox ${subscriptionId}: publishing event ${stored.id} failed, will retry: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw error;
      } finally {
        span.end();
      }
    });
  });

/** The envelope as stored, without the store-local position. */
const toIntegrationEvent = ({ position: _position, ...envelope }: StoredEvent): IntegrationEvent =>
  // The type was checked above; the data was validated by the domain that decided it.
  envelope as IntegrationEvent;
