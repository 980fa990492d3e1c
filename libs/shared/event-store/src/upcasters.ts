import { type StoredEvent } from './event-store.port.js';

/** Turns the data of one schema version of an event type into the data of the next version. */
export type UpcastStep = (data: unknown) => unknown;

/**
 * Old versions of an event stay in the store as they were written; readers see the current
 * version. Steps chain, so v1 reaches v3 through v1→v2 and v2→v3.
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, UpcastStep>();

  /** Registers the step that lifts `type` from `fromVersion` to `fromVersion + 1`. */
  register(type: string, fromVersion: number, step: UpcastStep): this {
    const key = stepKey(type, fromVersion);
    if (this.steps.has(key)) throw new Error(`an upcaster for ${type} v${fromVersion} is already registered`);
    this.steps.set(key, step);
    return this;
  }

  upcast<E extends StoredEvent>(event: E): E {
    let current = event;
    for (
      let step = this.steps.get(stepKey(current.type, current.schemaVersion));
      step;
      step = this.steps.get(stepKey(current.type, current.schemaVersion))
    ) {
      current = { ...current, schemaVersion: current.schemaVersion + 1, data: step(current.data) };
    }
    return current;
  }
}

const stepKey = (type: string, version: number) => `${type}@${version}`;

/** The process-wide registry: event modules register their steps at import time; stores apply it on read. */
export const upcasters = new UpcasterRegistry();

export const upcast = <E extends StoredEvent>(event: E): E => upcasters.upcast(event);
