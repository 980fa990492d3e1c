import type { EventStore } from '@vgp/event-store';
import type { BroadcastBus, MessageBus } from '@vgp/messaging';
import type { ObjectStore } from '@vgp/object-store';
import type { ReadModelStore } from '@vgp/read-models';

/**
 * What an app hands to a context's `forRoot`: its own event store, the shared bus, storage if needed, its
 * own read-model store, and the broadcast bus between its replicas (in process when absent: right for one
 * process only).
 */
export type ContextAdapters = {
  eventStore: EventStore;
  bus: MessageBus;
  objectStore?: ObjectStore;
  readModels: ReadModelStore;
  broadcast?: BroadcastBus;
};
