import { Command } from '@nestjs/cqrs';
import type { AuthenticatedUser } from '@vgp/auth';

export type ReplayGrant = { grantId: string; url: string; expiresAt: string };

/** A short-lived, single-recording stream URL for the caller; audited before it is answered. */
export class RequestReplayGrantCommand extends Command<ReplayGrant> {
  constructor(
    readonly user: AuthenticatedUser,
    readonly recordingId: string,
  ) {
    super();
  }
}
