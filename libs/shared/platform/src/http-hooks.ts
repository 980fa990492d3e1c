import { correlationIdOf, CORRELATION_HEADER } from './correlation-id.js';
import { MetricsService } from './metrics.service.js';
import { runWithCorrelationId } from './request-context.js';
import { endRequestSpan, markRequestSpanError, startRequestSpan } from './tracing-http.js';

type HookRequest = { method: string; raw: object; routeOptions?: { url?: string } };
type HookReply = { statusCode: number; elapsedTime: number; header(name: string, value: string): unknown };
type FastifyLike = {
  addHook(name: 'onRequest', hook: (req: HookRequest, reply: HookReply, done: () => void) => void): unknown;
  addHook(name: 'onResponse', hook: (req: HookRequest, reply: HookReply, done: () => void) => void): unknown;
  addHook(name: 'onError', hook: (req: HookRequest, reply: HookReply, error: Error, done: () => void) => void): unknown;
  addHook(name: 'onRequestAbort', hook: (req: HookRequest, done: () => void) => void): unknown;
};

/**
 * Fastify hooks for every request, 404s and parse failures included: the correlation id
 * (echoed in the response), the server span (entered together with the correlation id, so the
 * handler's spans nest under it) and the duration histogram, labelled by route template.
 */
export const installHttpHooks = (fastify: FastifyLike, metrics: MetricsService): void => {
  fastify.addHook('onRequest', (req, reply, done) => {
    const correlationId = correlationIdOf(req);
    reply.header(CORRELATION_HEADER, correlationId);
    startRequestSpan(req, correlationId, () => runWithCorrelationId(correlationId, done));
  });
  fastify.addHook('onError', (req, _reply, error, done) => {
    markRequestSpanError(req, error);
    done();
  });
  fastify.addHook('onRequestAbort', (req, done) => {
    endRequestSpan(req);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    // Unmatched URLs share one label so scanners cannot blow up the series count.
    const route = req.routeOptions?.url || 'unmatched';
    metrics.observeHttpRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    endRequestSpan(req, reply.statusCode);
    done();
  });
};
