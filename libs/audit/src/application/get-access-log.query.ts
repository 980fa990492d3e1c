import type { AuthenticatedUser } from '@vgp/auth';

export class GetAccessLogQuery {
  constructor(readonly patient: AuthenticatedUser) {}
}
