import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { correlationIdOf, newCorrelationId } from './correlation-id.js';
import { runWithCorrelationId } from './request-context.js';

/**
 * Enters the request's correlation id right around the handler. Fastify body parsing can
 * drop AsyncLocalStorage state set earlier, so the hook alone is not enough.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Each WebSocket message is its own unit of work.
    const correlationId = context.getType() === 'http' ? correlationIdOf(context.switchToHttp().getRequest<object>()) : newCorrelationId();
    return runWithCorrelationId(correlationId, () => next.handle());
  }
}
