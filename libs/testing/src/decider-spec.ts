/**
 * Given events / when command / then events, for pure deciders.
 * `facts` are what the server looked up (booking facts, the active call): never client input.
 */
export type Decider<C, E, S, F = undefined> = {
  decide: (command: C, state: S, facts: F) => E[];
  evolve: (state: S, event: E) => S;
  initialState: () => S;
};

export const DeciderSpec = {
  for<C, E, S, F = undefined>(decider: Decider<C, E, S, F>) {
    return (given: E[]) => ({
      when: (command: C, facts?: F) => {
        const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()), facts as F);
        return {
          then: (expected: E[]) => expect(run()).toEqual(expected),
          thenThrows: (error: new (...args: never[]) => Error) => expect(run).toThrow(error),
        };
      },
    });
  },
};
