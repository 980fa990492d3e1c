import type { StoredEvent } from '@vgp/event-store';
import {
  applyProjectionEvent,
  ensureProjectionIndexes,
  type EqualityFilter,
  InMemoryReadModelStore,
  type ProjectionDefinition,
  type ReadModelDocument,
} from '@vgp/read-models';

/**
 * Given events / when event / then documents, for a projection's pure handlers (emmett's
 * `InMemoryProjectionSpec`): the events run through the real runner into an in-memory store.
 */
export const ProjectionSpec = {
  for(projection: ProjectionDefinition) {
    return (given: StoredEvent[]) => ({
      when: (...events: StoredEvent[]) => {
        const run = async () => {
          const store = new InMemoryReadModelStore();
          // As the runner does: `thenFind` must be served by an index the projection declares.
          await ensureProjectionIndexes(projection, store);
          for (const event of [...given, ...events]) await applyProjectionEvent(projection, store, event);
          return store;
        };
        return {
          then: async (collection: string, id: string, expected: ReadModelDocument | null) => {
            const store = await run();
            expect(await store.get(collection, id)).toEqual(expected);
          },
          thenFind: async (collection: string, filter: EqualityFilter, expected: ReadModelDocument[]) => {
            const store = await run();
            expect(await store.find(collection, filter)).toEqual(expected);
          },
        };
      },
    });
  },
};
