import type { AuthenticatedUser } from '@vgp/auth';

export type AuditEventFilters = {
  patientId?: string;
  actorId?: string;
  recordingId?: string;
  consultationId?: string;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Only entries after this seq (the previous page's `nextCursor`). */
  after?: number;
};

export class SearchAuditEventsQuery {
  constructor(
    readonly officer: AuthenticatedUser,
    readonly filters: AuditEventFilters,
  ) {}
}
