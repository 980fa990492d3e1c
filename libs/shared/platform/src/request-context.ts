import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { newCorrelationId } from './correlation-id.js';
import { tagActiveSpan } from './tracing.js';

type Store = { correlationId: string };

const storage = new AsyncLocalStorage<Store>();

/** The correlation id of the work in progress; a fresh one outside any request or handler. */
export const currentCorrelationId = (): string => storage.getStore()?.correlationId ?? newCorrelationId();

/** True when running inside a request or `runWithCorrelationId`. */
export const hasRequestContext = (): boolean => storage.getStore() !== undefined;

/** Runs `fn` with the given correlation id (event handlers pass the incoming event's id). */
export const runWithCorrelationId = <T>(correlationId: string, fn: () => T): T => {
  tagActiveSpan(correlationId);
  return storage.run({ correlationId }, fn);
};

/** Injectable face of the same AsyncLocalStorage; the static methods work without DI. */
@Injectable()
export class RequestContext {
  static currentCorrelationId = currentCorrelationId;
  static runWithCorrelationId = runWithCorrelationId;

  currentCorrelationId(): string {
    return currentCorrelationId();
  }

  runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
    return runWithCorrelationId(correlationId, fn);
  }
}
