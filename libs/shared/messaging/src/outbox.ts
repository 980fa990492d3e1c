import { consultationIdOf, IntegrationEvent, isIntegrationEventType, topicOf } from '@vgp/contracts';
import { EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { MessageBus } from './message-bus.port';

export type OutboxOptions = {
  store: EventStore;
  bus: MessageBus;
  /** Names the checkpoint; keep it stable across releases or the outbox republishes everything. */
  subscriptionId: string;
  /** The categories this context owns. Never include `inbox`: that would republish what others sent. */
  categories: string[];
  logger?: { warn(message: string): void };
};

/**
 * Forwards the integration events a context appended to its own store to their topics, keyed by
 * consultation id. The checkpoint moves only after the bus accepted an event, so a crash
 * republishes at most the event in hand; consumers store by event id and ignore the repeat.
 */
export const startOutbox = ({ store, bus, subscriptionId, categories, logger }: OutboxOptions): Subscription =>
  store.subscribe({ subscriptionId, categories }, async (stored) => {
    if (!isIntegrationEventType(stored.type)) return;
    const event = toIntegrationEvent(stored);
    try {
      await bus.publish(topicOf(event.type), [{ key: consultationIdOf(event), event }]);
    } catch (error) {
      logger?.warn(`outbox ${subscriptionId}: publishing event ${stored.id} failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  });

/** The envelope as stored, without the store-local position. */
const toIntegrationEvent = ({ position: _position, ...envelope }: StoredEvent): IntegrationEvent =>
  // The type was checked above; the data was validated by the domain that decided it.
  envelope as IntegrationEvent;
