import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { IncidentReport, reconstructIncident } from '../domain/incident-reconstruction';
import { AuditLogProjection } from '../infrastructure/audit-log.projection';
import { ReconstructIncidentQuery } from './reconstruct-incident.query';

/** The second check over one window: only that window's replay entries are read, through the time index. */
@QueryHandler(ReconstructIncidentQuery)
export class ReconstructIncidentHandler implements IQueryHandler<ReconstructIncidentQuery, IncidentReport> {
  constructor(private readonly log: AuditLogProjection) {}

  async execute({ officer, window }: ReconstructIncidentQuery): Promise<IncidentReport> {
    await this.log.caughtUp();
    const [entries, known] = await Promise.all([this.log.replayEntriesBetween(Date.parse(window.from), Date.parse(window.to)), this.log.knowledge()]);
    return reconstructIncident(known.authorizationFacts, entries, { ...window, clinicId: officer.clinicId });
  }
}
