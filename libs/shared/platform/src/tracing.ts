import { trace } from '@opentelemetry/api';

/** Lets traces and logs/events be joined: the active span (if any) carries the correlation id. */
export const tagActiveSpan = (correlationId: string): void => {
  trace.getActiveSpan()?.setAttribute('vgp.correlation_id', correlationId);
};
