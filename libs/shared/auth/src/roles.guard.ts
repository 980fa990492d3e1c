import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Role } from '@vgp/contracts';
import { IS_PUBLIC_KEY, type RequestWithUser, ROLES_KEY } from './auth.decorators.js';
import { NotPermitted } from './auth-problems.js';

/** Global, after JwtAuthGuard: a route with @Roles needs one of them. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!required || required.length === 0) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user || !user.roles.some((role) => required.includes(role))) throw new NotPermitted();
    return true;
  }
}
