import type { DomainEvent } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';

/**
 * Given events / when command / then events, for pure deciders (emmett's `DeciderSpecification`).
 * `facts` are what the server looked up (booking facts, the active call): never client input.
 */
export const DeciderSpec = {
  for<C, E extends DomainEvent, S, F = void>(decider: Decider<C, E, S, F>) {
    return (given: E[]) => ({
      when: (command: C, facts?: F) => {
        const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()), facts as F);
        return {
          then: (expected: E[]) => expect(run()).toEqual(expected),
          thenNothingHappened: () => expect(run()).toEqual([]),
          thenThrows: <X extends Error>(error: abstract new (...args: never[]) => X, check?: (thrown: X) => void) => {
            let thrown: unknown;
            try {
              run();
            } catch (caught) {
              thrown = caught;
            }
            expect(thrown).toBeInstanceOf(error);
            check?.(thrown as X);
          },
        };
      },
    });
  },
};
