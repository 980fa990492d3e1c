import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventMetadata } from '@vgp/contracts';
import { ConcurrencyConflict } from '@vgp/domain';
import { type EventStore, type ExpectedRevision, type NewEvent, type StoredEvent, WrongExpectedRevision } from './event-store.port.js';

/** How often a command is tried in all when other writers keep getting in first; then ConcurrencyConflict (409). */
export const DEFAULT_COMMAND_ATTEMPTS = 3;

export type CommandContext = {
  /** The stream as read for this attempt, oldest first. */
  history: readonly StoredEvent[];
};

export type HandleCommand<Event extends DomainEvent, State> = {
  streamId: string;
  evolve(state: State, event: Event): State;
  initialState(): State;
  /**
   * Decides against the folded state; called again on every retry, so facts it looks up are fresh.
   * Throws a DomainError to refuse; an empty array appends nothing (an idempotent repeat).
   */
  decide(state: State, context: CommandContext): Event[] | Promise<Event[]>;
  /** Who acts, in which request; a function when the actor's role depends on the state read (called after `decide`). */
  metadata: EventMetadata | ((state: State) => EventMetadata);
  occurredAt: Date;
  /** Event ids; random by default. A function of the command makes its append idempotent. */
  eventId?(event: Event, index: number): string;
  /** Attempts in all before a version conflict is a ConcurrencyConflict. */
  maxAttempts?: number;
};

export type CommandResult<Event extends DomainEvent, State> = {
  events: Event[];
  /** The state before and after the decision. */
  before: State;
  state: State;
  /** The stream as read by the attempt that decided. */
  history: readonly StoredEvent[];
};

/** The domain event a stored event carries (the store has already upcast it). */
export const domainEventOf = <Event extends DomainEvent>(stored: StoredEvent): Event => ({ type: stored.type, data: stored.data }) as Event;

/** Decided events as the store takes them, stamped with the request's metadata and time. */
export const toNewEvents = <Event extends DomainEvent>(
  events: readonly Event[],
  metadata: EventMetadata,
  occurredAt: Date,
  eventId: (event: Event, index: number) => string = () => randomUUID(),
): NewEvent[] =>
  events.map((event, i) => ({ id: eventId(event, i), type: event.type, data: event.data, occurredAt: occurredAt.toISOString(), metadata }));

export const expectedRevisionOf = (history: readonly StoredEvent[]): ExpectedRevision =>
  history.length === 0 ? 'no_stream' : history[history.length - 1].revision;

/**
 * The one write path of every context (emmett's `handleCommand`): read the stream, fold, decide, append
 * at the revision read. When another writer got in between, the whole command runs again on the new
 * state, up to `maxAttempts`; then it fails with ConcurrencyConflict. EventStoreUnavailable propagates.
 */
export async function handleCommand<Event extends DomainEvent, State>(
  store: EventStore,
  command: HandleCommand<Event, State>,
): Promise<CommandResult<Event, State>> {
  const attempts = command.maxAttempts ?? DEFAULT_COMMAND_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(command.streamId);
    const before = history.map((e) => domainEventOf<Event>(e)).reduce(command.evolve, command.initialState());
    const events = await command.decide(before, { history });
    if (events.length > 0) {
      try {
        const metadata = typeof command.metadata === 'function' ? command.metadata(before) : command.metadata;
        await store.append(
          command.streamId,
          toNewEvents(events, metadata, command.occurredAt, command.eventId),
          expectedRevisionOf(history),
        );
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (attempt >= attempts) throw new ConcurrencyConflict(command.streamId, error);
        continue;
      }
    }
    return { events, before, state: events.reduce(command.evolve, before), history };
  }
}
