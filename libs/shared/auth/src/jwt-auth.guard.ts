import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, type RequestWithUser } from './auth.decorators.js';
import { AuthenticationUnavailable, Unauthenticated } from './auth-problems.js';
import { InvalidToken, TokenKeysUnavailable } from './invalid-token.error.js';
import { TokenVerifier } from './token-verifier.js';

type HttpRequest = RequestWithUser & { headers: Record<string, string | string[] | undefined> };

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

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!match) throw new Unauthenticated();
    try {
      request.user = await this.verifier.verify(match[1]);
      return true;
    } catch (error) {
      if (error instanceof TokenKeysUnavailable) {
        this.logger.error('token signing keys unavailable');
        throw new AuthenticationUnavailable();
      }
      // Anything else is our fault (e.g. jose failed to load): a 500, not a misleading 401.
      if (!(error instanceof InvalidToken)) throw error;
      // Only the reason is logged, never the token.
      this.logger.debug(`bearer token rejected: ${error.reason}`);
      throw new Unauthenticated('Bearer realm="vgp", error="invalid_token"');
    }
  }
}
