import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import { CORRELATION_ID_ATTRIBUTE, platformTracer } from './tracing.js';

// Keyed by the raw Node request, which Fastify and Nest both hand around.
const spans = new WeakMap<object, Span>();

/**
 * Starts the server span of a request and runs `next` with it active. Only the method, the route
 * template and the correlation id are recorded: never the URL (replay-stream tokens live in its
 * path, other ids in its query), headers or the user agent.
 */
export const startRequestSpan = <T>(
  request: { method: string; raw: object; routeOptions?: { url?: string } },
  correlationId: string,
  next: () => T,
): T => {
  const route = request.routeOptions?.url;
  const span = platformTracer().startSpan(route ? `${request.method} ${route}` : request.method, {
    kind: SpanKind.SERVER,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      [CORRELATION_ID_ATTRIBUTE]: correlationId,
    },
  });
  spans.set(request.raw, span);
  return context.with(trace.setSpan(context.active(), span), next);
};

/** Records an error that reached Fastify; by type only, as its message may carry personal data. */
export const markRequestSpanError = (request: { raw: object }, error: unknown): void => {
  spans.get(request.raw)?.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'Error');
};

/** Ends the server span with the response status; a 5xx is an error of ours, a 4xx is the caller's. */
export const endRequestSpan = (request: { raw: object }, statusCode?: number): void => {
  const span = spans.get(request.raw);
  if (!span) return;
  spans.delete(request.raw);
  if (statusCode === undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
  } else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    if (statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
};
