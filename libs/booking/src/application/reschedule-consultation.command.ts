import type { AuthenticatedUser } from '@vgp/auth';

export class RescheduleConsultationCommand {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly consultationId: string,
    readonly startsAt: string,
    readonly durationMinutes: number,
  ) {}
}
