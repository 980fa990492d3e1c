import type { EventStore } from '@vgp/event-store';
import type { MessageBus } from '@vgp/messaging';
import type { ObjectStore } from '@vgp/object-store';

/** What an app hands to a context's `forRoot`: its own event store, the shared bus, storage if needed. */
export type ContextAdapters = { eventStore: EventStore; bus: MessageBus; objectStore?: ObjectStore };
