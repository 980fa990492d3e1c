import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import {
  type FhirAuditEvent,
  fhirAuditEventOf,
  type FhirBundle,
  fhirDateRange,
  fhirScopeOf,
  fhirSearchsetOf,
  matchesFhirSearch,
} from '../domain/fhir-audit-event.js';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries } from './audit-log.queries.js';
import { type FhirAuditSearchParams, SearchFhirAuditEventsQuery } from './search-fhir-audit-events.query.js';

/** BALP-shaped AuditEvents of the officer's clinic, oldest first, through the time index. */
@QueryHandler(SearchFhirAuditEventsQuery)
export class SearchFhirAuditEventsHandler implements IQueryHandler<SearchFhirAuditEventsQuery, FhirBundle> {
  constructor(
    @Inject(AUDIT_LOG_QUERIES) private readonly log: AuditLogQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
  ) {}

  async execute({ officer, params, path }: SearchFhirAuditEventsQuery): Promise<FhirBundle> {
    await this.freshness.caughtUp(AUDIT_LOG_PROJECTION);
    const { earliest, latest } = fhirDateRange(params.dates);
    const search = { patient: params.patient, agent: params.agent, entity: params.entity, earliest, latest };
    const entries = (await this.log.replayEntriesBetween(earliest, latest + 1)).filter((entry) =>
      entry.clinicIds.includes(officer.clinicId),
    );
    const owners = await this.log.ownershipOf(
      entries.flatMap((entry) => entry.recordingIds),
      entries.flatMap((entry) => entry.consultationIds),
    );
    const page: FhirAuditEvent[] = [];
    let total = 0;
    for (const entry of entries) {
      const scope = fhirScopeOf(entry, owners, officer.clinicId);
      if (!matchesFhirSearch(entry, scope, search)) continue;
      if (total >= params.offset && page.length < params.count) page.push(fhirAuditEventOf(entry, scope));
      total++;
    }
    const more = params.offset + page.length < total;
    return fhirSearchsetOf(page, total, {
      self: linkTo(path, params, params.offset),
      next: more ? linkTo(path, params, params.offset + params.count) : null,
    });
  }
}

const linkTo = (path: string, params: FhirAuditSearchParams, offset: number): string => {
  const query = new URLSearchParams();
  for (const key of ['patient', 'agent', 'entity'] as const) if (params[key] !== undefined) query.append(key, params[key]);
  params.dates.forEach((date) => query.append('date', date));
  query.append('_count', String(params.count));
  if (offset > 0) query.append('_offset', String(offset));
  return `${path}?${query.toString()}`;
};
