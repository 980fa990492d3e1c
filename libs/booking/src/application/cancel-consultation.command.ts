import type { AuthenticatedUser } from '@vgp/auth';
import { CancelReason } from '../domain/consultation.decider';

export class CancelConsultationCommand {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly consultationId: string,
    readonly reason: CancelReason,
  ) {}
}
