import { consultationIdOf, IntegrationEvent, parseIntegrationEvent } from '@vgp/contracts';
import { EventStore } from '@vgp/event-store';
import { Consumer, MessageBus } from './message-bus.port';

export type InboxOptions = {
  store: EventStore;
  bus: MessageBus;
  groupId: string;
  topics: string[];
  /** Keeps only the events this context needs; the rest are acknowledged and dropped. */
  accept?: (event: IntegrationEvent) => boolean;
  maxAttempts?: number;
};

/**
 * Copies other contexts' integration events into the own store, in `inbox-<consultationId>`,
 * under the SAME event id: a redelivery is an idempotent append, stored once. An event that fails
 * validation throws, so the bus retries it and then dead-letters it.
 */
export const startInbox = ({ store, bus, groupId, topics, accept, maxAttempts }: InboxOptions): Promise<Consumer> =>
  bus.subscribe({
    groupId,
    topics,
    maxAttempts,
    handler: async (raw) => {
      const event = parseIntegrationEvent(raw);
      if (accept && !accept(event)) return;
      await store.append(
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
    },
  });
