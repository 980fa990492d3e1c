import { Inject, Injectable } from '@nestjs/common';
import { EventMetadata } from '@vgp/contracts';
import { EVENT_STORE, EventStore, WrongExpectedRevision } from '@vgp/event-store';
import { randomUUID } from 'node:crypto';
import { CallEvent, CallState, evolve, initialCallState } from '../domain/call.decider';
import { CallsProjection } from '../infrastructure/calls.projection';

export const callStreamOf = (callId: string): string => `call-${callId}`;

export type Decision = { events: CallEvent[]; state: CallState };

/**
 * Load → fold → decide → append with the expected revision, retried once when another writer got
 * there first; then waits for the read model so the answer reflects the write.
 * EventStoreUnavailable propagates: the caller must deny, never answer as if it had been stored.
 */
@Injectable()
export class CallStreams {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly calls: CallsProjection,
  ) {}

  async load(callId: string): Promise<{ state: CallState; revision: number | 'no_stream' }> {
    const stored = await this.store.readStream(callStreamOf(callId));
    const state = stored.map((e) => ({ type: e.type, data: e.data }) as CallEvent).reduce(evolve, initialCallState());
    return { state, revision: stored.length === 0 ? 'no_stream' : stored[stored.length - 1].revision };
  }

  async decideAndAppend(
    callId: string,
    decide: (state: CallState) => CallEvent[] | Promise<CallEvent[]>,
    metadata: EventMetadata,
    now: Date,
  ): Promise<Decision> {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.load(callId);
      const events = await decide(state);
      if (events.length === 0) return { events, state };
      try {
        await this.store.append(
          callStreamOf(callId),
          events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, occurredAt: now.toISOString(), metadata })),
          revision,
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevision && attempt === 1) continue;
        throw error;
      }
      await this.calls.caughtUp();
      return { events, state: events.reduce(evolve, state) };
    }
  }
}
