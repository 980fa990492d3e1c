import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type IncidentReport, reconstructIncident } from '../domain/incident-reconstruction.js';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries } from './audit-log.queries.js';
import { ReconstructIncidentQuery } from './reconstruct-incident.query.js';

/** The second check over one window: only that window's replay entries are read, through the time index. */
@QueryHandler(ReconstructIncidentQuery)
export class ReconstructIncidentHandler implements IQueryHandler<ReconstructIncidentQuery, IncidentReport> {
  constructor(
    @Inject(AUDIT_LOG_QUERIES) private readonly log: AuditLogQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
  ) {}

  async execute({ officer, window }: ReconstructIncidentQuery): Promise<IncidentReport> {
    await this.freshness.caughtUp(AUDIT_LOG_PROJECTION);
    const [entries, facts] = await Promise.all([
      this.log.replayEntriesBetween(Date.parse(window.from), Date.parse(window.to)),
      this.log.authorizationFacts(),
    ]);
    return reconstructIncident(facts, entries, { ...window, clinicId: officer.clinicId });
  }
}
