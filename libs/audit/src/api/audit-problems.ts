import { EventStoreUnavailable } from '@vgp/event-store';
import { ProblemException } from '@vgp/platform';

/** Runs a query and answers 503 when the audit store cannot be read. */
export const asProblem = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EventStoreUnavailable) {
      throw new ProblemException(503, { type: 'store-unavailable', title: 'Service unavailable', detail: 'The audit history cannot be read right now; retry shortly.' });
    }
    throw error;
  }
};
