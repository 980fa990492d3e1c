import { ForbiddenException, UnauthorizedException } from '@nestjs/common';

// Bodies carry problem-details fields; the platform's problem filter renders them as problem+json.
export const unauthorized = (): UnauthorizedException =>
  new UnauthorizedException({
    type: 'unauthorized',
    title: 'Unauthorized',
    detail: 'Send a valid, unexpired bearer token in the Authorization header.',
  });

export const forbidden = (): ForbiddenException =>
  new ForbiddenException({
    type: 'forbidden',
    title: 'Forbidden',
    detail: 'None of your roles may perform this operation.',
  });
