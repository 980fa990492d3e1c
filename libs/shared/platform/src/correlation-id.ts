import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-correlation-id';

// Sane: short, printable, no separators that could forge log fields or headers.
const SANE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const isSaneCorrelationId = (value: unknown): value is string => typeof value === 'string' && SANE.test(value);

export const newCorrelationId = (): string => randomUUID();

const ASSIGNED = Symbol.for('vgp.correlationId');
type CarriesCorrelationId = { [ASSIGNED]?: string; headers?: Record<string, string | string[] | undefined>; raw?: unknown };

/**
 * The correlation id of a request (raw Node request or Fastify request): the caller's
 * `x-correlation-id` when sane, else a new uuid. Memoised on the raw request so the logger,
 * the context and the error filter all agree.
 */
export const correlationIdOf = (request: object): string => {
  const raw = ((request as CarriesCorrelationId).raw ?? request) as CarriesCorrelationId;
  const existing = raw[ASSIGNED];
  if (existing) return existing;
  const header = raw.headers?.[CORRELATION_HEADER];
  const id = isSaneCorrelationId(header) ? header : newCorrelationId();
  raw[ASSIGNED] = id;
  return id;
};
