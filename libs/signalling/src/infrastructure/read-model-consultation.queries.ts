import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, ReadModelStore } from '@vgp/read-models';
import { ConsultationQueries } from '../application/consultation.queries';
import { ConsultationFacts } from '../domain/call.decider';
import { SIGNALLING_CONSULTATIONS } from './consultations.projection';

@Injectable()
export class ReadModelConsultationQueries implements ConsultationQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  get(consultationId: string): Promise<ConsultationFacts | null> {
    return this.readModels.get<ConsultationFacts>(SIGNALLING_CONSULTATIONS, consultationId);
  }
}
