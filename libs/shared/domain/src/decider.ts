import type { DomainEvent } from '@vgp/contracts';

/**
 * A pure decider, as in emmett's `typing/decider.ts`: `decide` turns a command into events given the
 * state folded so far (and what the server looked up, `facts`); `evolve` folds one event in.
 * No I/O, no clock, no randomness: time and ids come in with the command.
 */
export type Decider<Command, Event extends DomainEvent, State, Facts = void> = {
  decide(command: Command, state: State, facts: Facts): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
};

/** The state after `events`, from the decider's initial state. */
export const foldEvents = <Event extends DomainEvent, State>(
  decider: Pick<Decider<never, Event, State, never>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState());
