import type { AuthenticatedUser } from '@vgp/auth';

export class CompleteConsultationCommand {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly consultationId: string,
  ) {}
}
