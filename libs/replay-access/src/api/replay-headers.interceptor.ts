import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';

type Reply = { header(name: string, value: string): unknown };

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
