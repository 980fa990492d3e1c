import type { Clock } from '@vgp/domain';

/** The one clock of application code; tests override this provider to move time. */
export const CLOCK = Symbol('CLOCK');
export const systemClock: Clock = () => new Date();
export type { Clock };
