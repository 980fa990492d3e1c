import { Command } from '@nestjs/cqrs';
import type { AuthenticatedUser } from '@vgp/auth';
import { type SharePurpose } from '../domain/access-policy.js';

export type GivenShare = { shareId: string; recordingId: string; granteeId: string; purpose: SharePurpose; until: string };

/** A patient's consent for one person to replay one of their recordings until a time. */
export class GrantShareCommand extends Command<GivenShare> {
  constructor(
    readonly user: AuthenticatedUser,
    readonly recordingId: string,
    readonly granteeId: string,
    readonly purpose: SharePurpose,
    readonly until: Date,
  ) {
    super();
  }
}
