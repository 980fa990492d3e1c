import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type ConsultationQueries } from '../application/consultation.queries.js';
import { type ConsultationFacts } from '../domain/call.decider.js';
import { SIGNALLING_CONSULTATIONS } from './consultations.projection.js';

@Injectable()
export class ReadModelConsultationQueries implements ConsultationQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  get(consultationId: string): Promise<ConsultationFacts | null> {
    return this.readModels.get<ConsultationFacts>(SIGNALLING_CONSULTATIONS, consultationId);
  }
}
