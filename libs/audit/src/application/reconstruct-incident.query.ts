import type { AuthenticatedUser } from '@vgp/auth';

export class ReconstructIncidentQuery {
  constructor(
    readonly officer: AuthenticatedUser,
    readonly window: { from: string; to: string; softwareVersion: string | null },
  ) {}
}
