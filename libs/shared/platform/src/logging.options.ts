import { RequestMethod } from '@nestjs/common';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import { type AppConfigValues } from './app-config.schema.js';
import { correlationIdOf } from './correlation-id.js';
import { REDACT_PATHS, redactUrl } from './log-redaction.js';

// Headers worth logging; everything else (credentials, cookies, client hints) is left out.
const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-length', 'x-correlation-id', 'idempotency-key', 'range'];

type SerializedRequest = { id?: unknown; method?: string; url?: string; headers?: Record<string, unknown> };

const serializeRequest = (req: SerializedRequest) => ({
  id: req.id,
  method: req.method,
  url: redactUrl(req.url),
  headers: Object.fromEntries(LOGGED_HEADERS.filter((h) => req.headers?.[h] !== undefined).map((h) => [h, req.headers?.[h]])),
});

const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** nestjs-pino parameters: JSON lines, correlation id as request id, credentials redacted. */
export const loggerParams = (config: AppConfigValues, serviceName: string, destination?: DestinationStream): Params => {
  const options: LoggerOptions & Record<string, unknown> = {
    level: config.LOG_LEVEL,
    base: { service: serviceName, version: config.SOFTWARE_VERSION },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    genReqId: (req: IncomingMessage) => correlationIdOf(req),
    // Top-level on every line logged during a request, whoever created the Fastify adapter.
    customProps: (req: IncomingMessage) => ({ correlationId: correlationIdOf(req) }),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
  };
  // nestjs-pino 5's default route pattern matches nothing on Nest 12 with Fastify: name every route.
  return { pinoHttp: destination ? [options, destination] : options, forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }] };
};
