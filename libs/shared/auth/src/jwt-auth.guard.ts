import { CanActivate, ExecutionContext, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, RequestWithUser } from './auth.decorators';
import { unauthorized } from './auth-problems';
import { InvalidToken, TokenKeysUnavailable } from './invalid-token.error';
import { TokenVerifier } from './token-verifier';

type HttpRequest = RequestWithUser & { headers: Record<string, string | string[] | undefined> };
type HttpReply = { header?: (name: string, value: string) => unknown; setHeader?: (name: string, value: string) => unknown };

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Global: every HTTP route needs a valid bearer token unless it is @Public. WebSockets authenticate in their gateway. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger(JwtAuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const reply = http.getResponse<HttpReply>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!match) {
      setHeader(reply, 'WWW-Authenticate', 'Bearer realm="vgp"');
      throw unauthorized();
    }
    try {
      request.user = await this.verifier.verify(match[1]);
      return true;
    } catch (error) {
      if (error instanceof TokenKeysUnavailable) {
        this.logger.error('token signing keys unavailable');
        throw new ServiceUnavailableException({
          type: 'auth-unavailable',
          title: 'Authentication unavailable',
          detail: 'Tokens cannot be checked right now; retry shortly.',
        });
      }
      // Anything else is our fault (e.g. jose failed to load): a 500, not a misleading 401.
      if (!(error instanceof InvalidToken)) throw error;
      // Only the reason is logged, never the token.
      this.logger.debug(`bearer token rejected: ${error.reason}`);
      setHeader(reply, 'WWW-Authenticate', 'Bearer realm="vgp", error="invalid_token"');
      throw unauthorized();
    }
  }
}

const setHeader = (reply: HttpReply, name: string, value: string): void => {
  if (typeof reply.header === 'function') reply.header(name, value);
  else reply.setHeader?.(name, value);
};
