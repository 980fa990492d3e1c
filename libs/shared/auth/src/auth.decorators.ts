import { applyDecorators, createParamDecorator, type CustomDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { type Role } from '@vgp/contracts';
import { type AuthenticatedUser } from './authenticated-user.js';

export const IS_PUBLIC_KEY = 'vgp:auth:public';
export const ROLES_KEY = 'vgp:auth:roles';

/** Marks public operations in the API document; the app turns it into `security: []` (see http-app.ts). */
export const PUBLIC_OPERATION_EXTENSION = 'x-vgp-public';

/** Opts a route (or controller) out of the global bearer-token guard, and says so in the API document. */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), ApiExtension(PUBLIC_OPERATION_EXTENSION, true));

/** The caller needs at least one of these roles, else 403. */
export const Roles = (...roles: Role[]): CustomDecorator<string> => SetMetadata(ROLES_KEY, roles);

/** Where the guard leaves the verified caller on the request (and on a WebSocket client). */
export type RequestWithUser = { user?: AuthenticatedUser };

/** The verified caller; undefined only on @Public routes. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser | undefined => {
  const holder: RequestWithUser =
    ctx.getType() === 'ws' ? ctx.switchToWs().getClient<RequestWithUser>() : ctx.switchToHttp().getRequest<RequestWithUser>();
  return holder.user;
});
