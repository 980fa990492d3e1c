import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';

type Reply = { header(name: string, value: string): unknown };

/** Answers holding personal data are never cached by browsers or proxies, success and errors alike. */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<Reply>().header('Cache-Control', 'no-store');
    return next.handle();
  }
}
