/** The clock commands take their `now` from; tests may provide a fixed one. */
export const BOOKING_CLOCK = Symbol('BOOKING_CLOCK');
export type Clock = () => Date;

/** A request repeated under the same Idempotency-Key with a different body. */
export class IdempotencyKeyReused extends Error {
  constructor() {
    super('This Idempotency-Key was already used for a different booking.');
    this.name = 'IdempotencyKeyReused';
  }
}
