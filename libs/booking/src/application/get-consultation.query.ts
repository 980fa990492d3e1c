import type { AuthenticatedUser } from '@vgp/auth';

export class GetConsultationQuery {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly consultationId: string,
  ) {}
}
