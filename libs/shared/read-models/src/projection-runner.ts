import { BOOKING_FACT_EVENT_TYPES, type BookingFact, type BookingFactEvent, type DomainEvent, evolveBookingFact } from '@vgp/contracts';
import { EventProcessor, type EventProcessorOptions, type EventStore, HandlerFailed, type StoredEvent } from '@vgp/event-store';
import { type IndexSpec, type ReadModelDocument, type ReadModelStore } from './read-model-store.port.js';

/** A stored event of one of the domain event types `E`, typed by its `type`. */
export type StoredOf<E extends DomainEvent> = E extends DomainEvent<infer T, infer D> ? StoredEvent<T, D> : never;

/** One collection of a projection, as the runner sees it (build it with `projectionHandler`). */
export type ProjectionHandler = {
  collection: string;
  indexes?: readonly IndexSpec[];
  canHandle: readonly string[];
  lookup?(event: StoredEvent, readModels: ReadModelStore): Promise<unknown>;
  keyOf(event: StoredEvent, found?: unknown): string | readonly string[] | null;
  evolve(doc: ReadModelDocument | null, event: StoredEvent, found?: unknown): ReadModelDocument | null;
};

export type TypedProjectionHandler<D extends ReadModelDocument, E extends DomainEvent, L = undefined> = {
  collection: string;
  indexes?: readonly IndexSpec[];
  /** The event types this collection folds; every other event passes it by. */
  canHandle: readonly E['type'][];
  /**
   * Reads what the fold needs beyond the event, through indexed queries (e.g. the documents a late fact
   * changes). It runs before any write of the event, so it sees the read model as of the previous event
   * (or, when resuming an event half applied, with some of its writes already done: keep the fold idempotent).
   */
  lookup?(event: StoredOf<E>, readModels: ReadModelStore): Promise<L>;
  /** The ids of the documents the event touches; null or [] when none. */
  keyOf(event: StoredOf<E>, found: L): string | readonly string[] | null;
  /** Pure: it may run more than once for one event when writers race. Null deletes the document. */
  evolve(doc: D | null, event: StoredOf<E>, found: L): D | null;
};

/** Types a handler by the events it declares; the one place where a stored event is narrowed to them. */
export const projectionHandler = <D extends ReadModelDocument, E extends DomainEvent, L = undefined>(
  handler: TypedProjectionHandler<D, E, L>,
): ProjectionHandler => {
  const types: ReadonlySet<string> = new Set(handler.canHandle);
  const handles = (event: StoredEvent): event is StoredOf<E> => types.has(event.type);
  const { lookup } = handler;
  return {
    collection: handler.collection,
    indexes: handler.indexes,
    canHandle: handler.canHandle,
    ...(lookup && { lookup: async (event, readModels) => (handles(event) ? lookup(event, readModels) : undefined) }),
    keyOf: (event, found) => (handles(event) ? handler.keyOf(event, found as L) : null),
    evolve: (doc, event, found) => (handles(event) ? handler.evolve(doc as D | null, event, found as L) : doc),
  };
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

export const projectionCollections = (projection: ProjectionDefinition): string[] => [
  ...new Set(projection.handlers.map((h) => h.collection)),
];

/**
 * Folds one event into every document it touches. Each write carries the checkpoint "everything before
 * this event is applied" (position - 1), and only the event's last write carries its own position, so a
 * crash halfway through an event that touches several documents resumes at that event; the documents
 * already written skip it by their revision guard. A fold that throws is a HandlerFailed (deterministic).
 */
export async function applyProjectionEvent(
  projection: ProjectionDefinition,
  readModels: ReadModelStore,
  event: StoredEvent,
): Promise<void> {
  const found = await Promise.all(projection.handlers.map((handler) => handler.lookup?.(event, readModels)));
  const writes = projection.handlers.flatMap((handler, h) =>
    [...new Set(idsOf(keysOf(handler, event, found[h])))].map((id) => ({ handler, id, found: found[h] })),
  );
  const guard = { streamId: event.streamId, revision: event.revision };
  for (const [i, { handler, id, found: seen }] of writes.entries()) {
    const position = i === writes.length - 1 ? event.position : event.position - 1;
    await readModels.apply(handler.collection, id, guard, (doc) => evolveOrFail(handler, doc, event, seen), {
      projection: projection.name,
      position,
    });
  }
}

const keysOf = (handler: ProjectionHandler, event: StoredEvent, found: unknown): string | readonly string[] | null => {
  try {
    return handler.keyOf(event, found);
  } catch (error) {
    throw new HandlerFailed(error);
  }
};

const evolveOrFail = (
  handler: ProjectionHandler,
  doc: ReadModelDocument | null,
  event: StoredEvent,
  found: unknown,
): ReadModelDocument | null => {
  try {
    return handler.evolve(doc, event, found);
  } catch (error) {
    throw new HandlerFailed(error);
  }
};

/** Creates the indexes the projection's handlers declare. */
export async function ensureProjectionIndexes(projection: ProjectionDefinition, readModels: ReadModelStore): Promise<void> {
  for (const collection of projectionCollections(projection)) {
    const indexes = projection.handlers.filter((h) => h.collection === collection).flatMap((h) => h.indexes ?? []);
    if (indexes.length) await readModels.ensureIndexes(collection, indexes);
  }
}

export type ReadModelProjectionOptions = Pick<
  EventProcessorOptions,
  'onFailure' | 'onApplied' | 'maxAttempts' | 'caughtUpTimeoutMs' | 'observer'
> &
  ProjectionRunOptions;

/**
 * The projection as a running processor: indexes ensured, resumed from its checkpoint in the read-model
 * store, following new events; the one projection component of every context.
 */
export const readModelProjection = (projection: ProjectionDefinition, options: ReadModelProjectionOptions): EventProcessor => {
  const { eventStore, readModels, fromPosition, ...rest } = options;
  return new EventProcessor({
    ...rest,
    name: projection.name,
    eventStore,
    categories: projection.categories,
    resumeAfter: async () => {
      await ensureProjectionIndexes(projection, readModels);
      return fromPosition ?? (await readModels.readCheckpoint(projection.name)) ?? 0;
    },
    handle: (event) => applyProjectionEvent(projection, readModels, event),
  });
};

/** Applies every stored event after the checkpoint, in pages, and returns; what a rebuild runs. */
export async function replayProjection(
  projection: ProjectionDefinition,
  options: ReplayOptions,
): Promise<{ applied: number; position: number }> {
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

const idsOf = (keys: string | readonly string[] | null): readonly string[] =>
  keys === null ? [] : typeof keys === 'string' ? [keys] : keys;

/** One document of booking facts per consultation (the one fold, `evolveBookingFact`), for any context that keeps a copy. */
export const bookingFactsHandler = (collection: string): ProjectionHandler =>
  projectionHandler<BookingFact, BookingFactEvent>({
    collection,
    canHandle: BOOKING_FACT_EVENT_TYPES,
    keyOf: (event) => event.data.consultationId,
    evolve: evolveBookingFact,
  });
