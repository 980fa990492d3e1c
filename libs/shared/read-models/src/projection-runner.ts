import { EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { IndexSpec, ReadModelDocument, ReadModelStore } from './read-model-store.port';

/** One collection of a projection: which documents an event touches, and the pure fold into each. */
export type ProjectionHandler<D extends ReadModelDocument = ReadModelDocument> = {
  collection: string;
  indexes?: readonly IndexSpec[];
  /** The ids of the documents the event touches here; null or [] when none. */
  keyOf(event: StoredEvent): string | readonly string[] | null;
  /** Pure: it may be called more than once for one event when writers race. Null deletes the document. */
  fold(doc: D | null, event: StoredEvent): D | null;
};

export type ProjectionDefinition = {
  /** Names the checkpoint; one projection owns its collections. */
  name: string;
  /** Stream categories read; all when absent. */
  categories?: string[];
  handlers: readonly ProjectionHandler[];
};

export type ProjectionRunOptions = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  /** Start after this position instead of the stored checkpoint (a full replay is 0; re-applying is a no-op). */
  fromPosition?: number;
};

export type ReplayOptions = ProjectionRunOptions & {
  batchSize?: number;
  /** After each event: how many were applied so far and the last one. */
  onProgress?: (applied: number, event: StoredEvent) => void;
};

export const projectionCollections = (projection: ProjectionDefinition): string[] => [...new Set(projection.handlers.map((h) => h.collection))];

/**
 * Folds one event into every document it touches. Each write carries the checkpoint "everything before
 * this event is applied" (position - 1), and only the event's last write carries its own position, so a
 * crash halfway through an event that touches several documents resumes at that event; the documents
 * already written skip it by their revision guard.
 */
export async function applyProjectionEvent(projection: ProjectionDefinition, readModels: ReadModelStore, event: StoredEvent): Promise<void> {
  const writes = projection.handlers.flatMap((handler) => [...new Set(idsOf(handler.keyOf(event)))].map((id) => ({ handler, id })));
  const guard = { streamId: event.streamId, revision: event.revision };
  for (const [i, { handler, id }] of writes.entries()) {
    const position = i === writes.length - 1 ? event.position : event.position - 1;
    await readModels.apply(handler.collection, id, guard, (doc) => handler.fold(doc, event), { projection: projection.name, position });
  }
}

/** Creates the indexes the projection's handlers declare. */
export async function ensureProjectionIndexes(projection: ProjectionDefinition, readModels: ReadModelStore): Promise<void> {
  for (const collection of projectionCollections(projection)) {
    const indexes = projection.handlers.filter((h) => h.collection === collection).flatMap((h) => h.indexes ?? []);
    if (indexes.length) await readModels.ensureIndexes(collection, indexes);
  }
}

/**
 * Runs the projection live: from its stored checkpoint, then following new events. A failing write is
 * retried by the subscription on the same event, so order holds.
 */
export async function startProjection(projection: ProjectionDefinition, options: ProjectionRunOptions): Promise<Subscription> {
  const { eventStore, readModels } = options;
  await ensureProjectionIndexes(projection, readModels);
  const fromPosition = options.fromPosition ?? (await readModels.readCheckpoint(projection.name)) ?? 0;
  return eventStore.subscribe({ fromPosition, categories: projection.categories }, (event) => applyProjectionEvent(projection, readModels, event));
}

/** Applies every stored event after the checkpoint, in pages, and returns; what a rebuild runs. */
export async function replayProjection(projection: ProjectionDefinition, options: ReplayOptions): Promise<{ applied: number; position: number }> {
  const { eventStore, readModels, batchSize = 500, onProgress } = options;
  await ensureProjectionIndexes(projection, readModels);
  let position = options.fromPosition ?? (await readModels.readCheckpoint(projection.name)) ?? 0;
  let applied = 0;
  for (;;) {
    const batch = await eventStore.readAll({ fromPosition: position, limit: batchSize, categories: projection.categories });
    for (const event of batch) {
      await applyProjectionEvent(projection, readModels, event);
      position = event.position;
      onProgress?.(++applied, event);
    }
    if (batch.length < batchSize) return { applied, position };
  }
}

const idsOf = (keys: string | readonly string[] | null): readonly string[] => (keys === null ? [] : typeof keys === 'string' ? [keys] : keys);
