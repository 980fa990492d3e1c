import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { viewingRole } from '../domain/consultation-access.policy.js';
import { CONSULTATION_QUERIES, type ConsultationQueries, type ConsultationView } from './consultation.queries.js';
import { ListConsultationsQuery } from './list-consultations.query.js';

@QueryHandler(ListConsultationsQuery)
export class ListConsultationsHandler implements IQueryHandler<ListConsultationsQuery, ConsultationView[]> {
  constructor(@Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries) {}

  async execute({ caller, filters }: ListConsultationsQuery): Promise<ConsultationView[]> {
    const from = filters.from === undefined ? -Infinity : Date.parse(filters.from);
    const to = filters.to === undefined ? Infinity : Date.parse(filters.to);
    // Visibility first, filters second: a filter naming someone else only narrows what is already yours.
    // Only the caller's clinic can be visible, so the store is asked for that clinic's consultations alone.
    const inClinic = await this.consultations.inClinic(caller.clinicId, { patientId: filters.patientId, clinicianId: filters.clinicianId });
    return inClinic
      .filter((c) => viewingRole(caller, c) !== null)
      .filter((c) => filters.patientId === undefined || c.patientId === filters.patientId)
      .filter((c) => filters.clinicianId === undefined || c.clinicianId === filters.clinicianId)
      .filter((c) => {
        const start = Date.parse(c.startsAt);
        return start >= from && start < to;
      })
      .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.consultationId.localeCompare(b.consultationId));
  }
}
