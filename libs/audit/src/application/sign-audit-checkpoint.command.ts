import type { AuthenticatedUser } from '@vgp/auth';

/** An officer asks for a signed checkpoint of the chain as it stands now. */
export class SignAuditCheckpointCommand {
  constructor(readonly officer: AuthenticatedUser) {}
}
