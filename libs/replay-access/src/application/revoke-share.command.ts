import { Command } from '@nestjs/cqrs';
import type { AuthenticatedUser } from '@vgp/auth';

/** Takes consent back: the grantee loses lists, new grants and running streams at once. */
export class RevokeShareCommand extends Command<void> {
  constructor(
    readonly user: AuthenticatedUser,
    readonly recordingId: string,
    readonly shareId: string,
  ) {
    super();
  }
}
