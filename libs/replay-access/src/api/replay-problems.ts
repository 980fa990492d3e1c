import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { ProblemException } from '@vgp/platform';
import { catchError, Observable, throwError } from 'rxjs';
import { CannotShareWithOneself, InvalidShareWindow, RangeNotSatisfiable } from '../domain/replay-access.errors';
import { ReplayAuditUnavailable, ReplayConflict, ReplayKillSwitchEngaged, ReplayRateLimited, ReplayResourceNotFound } from '../application/replay-access.failures';

type Reply = { header(name: string, value: string): unknown };

const NOT_FOUND: Record<ReplayResourceNotFound['resource'], { type: string; title: string; detail: string }> = {
  recording: {
    type: 'recording-not-found',
    title: 'Recording not found',
    detail: 'No recording with this id is available to you. Use an id from GET /v1/replays.',
  },
  share: {
    type: 'share-not-found',
    title: 'Share not found',
    detail: 'No share with this id exists on a recording of yours.',
  },
  stream: {
    type: 'replay-stream-not-found',
    title: 'Replay stream not found',
    detail: 'This replay link is unknown or no longer valid. Request a new one with POST /v1/recordings/{id}/replay-grants.',
  },
};

/** One body for unknown and not-yours, so an answer never tells them apart (invariant 2). */
export const notFoundProblem = (resource: ReplayResourceNotFound['resource']): ProblemException => new ProblemException(404, NOT_FOUND[resource]);

const problemOf = (error: unknown, reply: Reply): unknown => {
  if (error instanceof HttpException) return error;
  if (error instanceof ReplayResourceNotFound) return notFoundProblem(error.resource);
  if (error instanceof ReplayKillSwitchEngaged) {
    return new ProblemException(503, {
      type: 'replay-disabled',
      title: 'Replay temporarily disabled',
      detail: 'Replays are switched off by the operator for now; nothing was sent. Try again later.',
    });
  }
  if (error instanceof ReplayRateLimited) {
    reply.header('Retry-After', String(error.retryAfterSeconds));
    return new ProblemException(429, {
      type: 'replay-stream-rate-limited',
      title: 'Too Many Requests',
      detail: 'Too many unknown replay links from your address. Wait for the time in Retry-After, then use a link from a new grant.',
    });
  }
  if (error instanceof ReplayAuditUnavailable) {
    return new ProblemException(503, {
      type: 'audit-unavailable',
      title: 'Service Unavailable',
      detail: 'The access could not be recorded, so nothing was sent. Retry shortly.',
    });
  }
  if (error instanceof RangeNotSatisfiable) {
    reply.header('Content-Range', `bytes */${error.size}`);
    return new ProblemException(416, {
      type: 'range-not-satisfiable',
      title: 'Range Not Satisfiable',
      detail: 'Send one byte range within the recording: bytes=start-end, bytes=start- or bytes=-suffixLength.',
    });
  }
  if (error instanceof InvalidShareWindow) {
    return new ProblemException(400, { type: 'invalid-share-window', title: 'Invalid request', detail: '`until` must be in the future and at most one year from now.' });
  }
  if (error instanceof CannotShareWithOneself) {
    return new ProblemException(400, { type: 'invalid-share-grantee', title: 'Invalid request', detail: '`granteeId` must be someone other than the patient.' });
  }
  if (error instanceof ReplayConflict) {
    return new ProblemException(409, { type: 'share-conflict', title: 'Conflict', detail: 'The share changed at the same time; fetch it again and retry.' });
  }
  return error;
};

/**
 * Replay answers are never cached by browsers or proxies (success and errors alike), and the context's
 * failures become problems here, in one place.
 */
@Injectable()
export class ReplayProblemsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<Reply>();
    reply.header('Cache-Control', 'no-store');
    return next.handle().pipe(catchError((error: unknown) => throwError(() => problemOf(error, reply))));
  }
}

/** Stream answers carry a capability in their URL: they must not leak it onwards, nor be sniffed as another type. */
@Injectable()
export class ReplayStreamHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<Reply>();
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Content-Type-Options', 'nosniff');
    return next.handle();
  }
}
