import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { viewingRole } from '../domain/consultation-access.policy';
import { ConsultationNotFound } from '../domain/consultation.errors';
import { ConsultationsProjection, ConsultationView } from '../infrastructure/consultations.projection';
import { GetConsultationQuery } from './get-consultation.query';

@QueryHandler(GetConsultationQuery)
export class GetConsultationHandler implements IQueryHandler<GetConsultationQuery, ConsultationView> {
  constructor(private readonly projection: ConsultationsProjection) {}

  async execute({ caller, consultationId }: GetConsultationQuery): Promise<ConsultationView> {
    const view = await this.projection.get(consultationId);
    // Not yours and not there answer the same.
    if (!view || viewingRole(caller, view) === null) throw new ConsultationNotFound();
    return view;
  }
}
