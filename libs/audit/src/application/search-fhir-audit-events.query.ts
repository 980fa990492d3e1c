import type { AuthenticatedUser } from '@vgp/auth';

export type FhirAuditSearchParams = {
  patient?: string;
  agent?: string;
  entity?: string;
  dates: string[];
  count: number;
  offset: number;
};

export class SearchFhirAuditEventsQuery {
  constructor(
    readonly officer: AuthenticatedUser,
    readonly params: FhirAuditSearchParams,
    /** How the search was asked, for the bundle's self and next links. */
    readonly path: string,
  ) {}
}
