import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '@vgp/domain';
import { ERROR_KINDS } from './error-kinds.js';
import { correlationIdOf, CORRELATION_HEADER } from './correlation-id.js';
import { redactedPath, scrubText } from './log-redaction.js';
import { problemTypeUri } from './problem.exception.js';
import { allowedMethods } from './routing-errors.js';
import { currentCorrelationId } from './request-context.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  correlationId: string;
  [extension: string]: unknown;
};

type Reply = {
  server?: object;
  sent?: boolean;
  raw?: { headersSent?: boolean; destroy(): void };
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): unknown;
};
type Request = { url?: string; method?: string; raw?: object };

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'correlationId', 'statusCode', 'message', 'error']);

// Details a frontend developer can act on, for errors raised by the framework itself.
const DEFAULT_DETAILS: Partial<Record<number, string>> = {
  401: 'Send a valid, unexpired bearer token in the Authorization header.',
  403: 'None of your roles may perform this operation.',
  404: 'There is no such resource.',
  405: 'This resource does not answer this method; the Allow header lists those it does.',
  413: 'The request body is larger than this endpoint accepts.',
  415: 'This endpoint does not accept that Content-Type; JSON endpoints take application/json.',
  500: 'An unexpected error occurred. Quote the correlationId when reporting it.',
};

/** Every HTTP error leaves as RFC 9457 application/problem+json; never a stack trace. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const reply = http.getResponse<Reply>();
    const correlationId = request ? correlationIdOf(request) : currentCorrelationId();
    const allow = isUnmatchedRoute(exception) ? allowedMethods(reply.server, request?.url) : [];
    // A path some route answers, with a method none does: 405 and the methods that work, not 404.
    const problem =
      allow.length > 0
        ? toProblem(new HttpException(STATUS_CODES[405] as string, 405), redactedPath(request?.url), correlationId)
        : toProblem(exception, redactedPath(request?.url), correlationId);
    if (allow.length > 0) reply.header('Allow', allow.join(', '));

    if (problem.status >= 500) this.logFailure(exception, problem, request);
    if (reply.sent || reply.raw?.headersSent) {
      // Mid-stream failure (e.g. media bytes): the status is gone, so end the connection.
      reply.raw?.destroy();
      return;
    }
    if (exception instanceof DomainError) for (const [name, value] of Object.entries(exception.headers)) reply.header(name, value);
    reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).header(CORRELATION_HEADER, correlationId).send(problem);
  }

  private logFailure(exception: unknown, problem: ProblemDetails, request: Request | undefined): void {
    // Names, scrubbed message and stack only: no bodies, headers or personal data.
    const error = exception instanceof Error ? exception : undefined;
    this.logger.error({
      msg: 'request failed',
      correlationId: problem.correlationId,
      status: problem.status,
      method: request?.method,
      path: problem.instance,
      // Not `err`: pino's error serializer would replace these scrubbed fields.
      error: { name: error?.name ?? typeof exception, message: scrubText(error?.message), stack: scrubText(error?.stack) },
    });
  }
}

export const toProblem = (exception: unknown, instance: string, correlationId: string): ProblemDetails => {
  if (exception instanceof DomainError) {
    const kind = ERROR_KINDS[exception.kind];
    const extensions = Object.fromEntries(Object.entries(exception.extensions).filter(([key]) => !RESERVED.has(key)));
    return {
      ...extensions,
      ...base(kind.status, instance, correlationId),
      type: problemTypeUri(exception.code),
      title: exception.title ?? kind.title,
      detail: exception.detail,
    };
  }
  if (!(exception instanceof HttpException)) {
    return base(HttpStatus.INTERNAL_SERVER_ERROR, instance, correlationId);
  }
  const status = exception.getStatus();
  const problem = base(status, instance, correlationId);
  const response = exception.getResponse();
  if (typeof response === 'string') {
    // Framework errors (Fastify body parsing): keep the generic detail when we have one.
    return { ...problem, detail: DEFAULT_DETAILS[status] ?? scrubText(response) ?? problem.detail };
  }
  const body = response as Record<string, unknown>;
  const extensions = Object.fromEntries(Object.entries(body).filter(([key]) => !RESERVED.has(key)));
  const isProblemShaped = 'title' in body || 'detail' in body;
  if (isProblemShaped) {
    return {
      ...extensions,
      ...problem,
      type: problemTypeUri(typeof body.type === 'string' ? body.type : undefined),
      title: typeof body.title === 'string' ? body.title : problem.title,
      detail: typeof body.detail === 'string' ? body.detail : problem.detail,
    };
  }
  // Nest's own shape: { statusCode, message, error }.
  const message = body.message;
  const detail = Array.isArray(message)
    ? message.join('; ')
    : typeof message === 'string' && !isNestDefault(message, status)
      ? message
      : problem.detail;
  return {
    ...extensions,
    ...problem,
    title: typeof body.error === 'string' ? body.error : problem.title,
    detail: status >= 500 ? problem.detail : detail,
  };
};

const base = (status: number, instance: string, correlationId: string): ProblemDetails => ({
  type: 'about:blank',
  title: STATUS_CODES[status] ?? 'Error',
  status,
  detail: DEFAULT_DETAILS[status] ?? STATUS_CODES[status] ?? 'The request failed.',
  instance,
  correlationId,
});

// "Cannot GET /path" (unknown route) and bare status names add nothing and may echo the URL.
/** Nest's answer when no route matched the method and path. */
const isUnmatchedRoute = (exception: unknown): boolean =>
  exception instanceof NotFoundException && /^Cannot [A-Z]+ /.test(String((exception.getResponse() as { message?: unknown }).message));

const isNestDefault = (message: string, status: number): boolean => /^Cannot [A-Z]+ /.test(message) || message === STATUS_CODES[status];
