import Router from 'find-my-way';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { correlationIdOf, CORRELATION_HEADER } from './correlation-id.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const NOOP = () => undefined;

/** The routes of each Fastify instance, matched by path alone: what a 405 needs and Fastify's router does not tell. */
const routersOf = new WeakMap<object, Router.Instance<Router.HTTPVersion.V1>>();

/** Records every route as it is registered (call before the app registers its routes). */
export const trackRoutes = (fastify: FastifyInstance): void => {
  const router = Router({ maxParamLength: Number.MAX_SAFE_INTEGER });
  routersOf.set(fastify, router);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // A method and path seen twice (Fastify's own HEAD twin of a GET) is already known.
      if (!router.hasRoute(method as Router.HTTPMethod, route.url)) router.on(method as Router.HTTPMethod, route.url, NOOP);
    }
  });
};

/** The methods some route answers on this path; empty when no route has the path at all. */
export const allowedMethods = (fastify: object | undefined, url: string | undefined): string[] => {
  const router = fastify && routersOf.get(fastify);
  if (!router || !url) return [];
  const path = url.split('?')[0];
  return METHODS.filter((method) => router.find(method, path) !== null);
};

/**
 * Errors Fastify answers before any route runs, in problem+json like every other error: a path parameter
 * over the length limit (414) and a URL that cannot be decoded (400). The URL is not echoed back.
 */
export const frameworkErrorHandler = (error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const correlationId = correlationIdOf(request);
  void reply
    .code(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header(CORRELATION_HEADER, correlationId)
    .send({
      type: 'about:blank',
      title: STATUS_CODES[status],
      status,
      detail: status === 414 ? 'A path segment of this URL is longer than any identifier this API accepts.' : 'This URL cannot be decoded.',
      correlationId,
    });
};
