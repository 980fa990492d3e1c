import type { AuthenticatedUser } from '@vgp/auth';

export class GetAccessLogQuery {
  constructor(
    readonly patient: AuthenticatedUser,
    /** The previous page's `next`: entries after this seq (0 from the start). */
    readonly afterSeq: number,
    readonly limit: number,
  ) {}
}
