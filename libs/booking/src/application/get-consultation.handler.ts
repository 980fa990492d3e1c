import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { viewingRole } from '../domain/consultation-access.policy.js';
import { ConsultationNotFound } from '../domain/consultation.errors.js';
import { CONSULTATION_QUERIES, type ConsultationQueries, type ConsultationView } from './consultation.queries.js';
import { GetConsultationQuery } from './get-consultation.query.js';

@QueryHandler(GetConsultationQuery)
export class GetConsultationHandler implements IQueryHandler<GetConsultationQuery, ConsultationView> {
  constructor(@Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries) {}

  async execute({ caller, consultationId }: GetConsultationQuery): Promise<ConsultationView> {
    const view = await this.consultations.get(consultationId);
    // Not yours and not there answer the same.
    if (!view || viewingRole(caller, view) === null) throw new ConsultationNotFound();
    return view;
  }
}
