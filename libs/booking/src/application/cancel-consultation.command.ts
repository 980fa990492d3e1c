import type { AuthenticatedUser } from '@vgp/auth';
import { type CancelReason } from '../domain/consultation.decider.js';

export class CancelConsultationCommand {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly consultationId: string,
    readonly reason: CancelReason,
  ) {}
}
