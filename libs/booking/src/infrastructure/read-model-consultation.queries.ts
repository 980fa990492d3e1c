import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type ConsultationQueries, type ConsultationView } from '../application/consultation.queries.js';
import { CONSULTATIONS_COLLECTION } from './consultations.projection.js';

/** The consultation queries, answered from the consultations projection's documents. */
@Injectable()
export class ReadModelConsultationQueries implements ConsultationQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  get(consultationId: string): Promise<ConsultationView | null> {
    return this.readModels.get<ConsultationView>(CONSULTATIONS_COLLECTION, consultationId);
  }

  inClinic(clinicId: string, filter: { patientId?: string; clinicianId?: string } = {}): Promise<ConsultationView[]> {
    const { patientId, clinicianId } = filter;
    return this.readModels.find<ConsultationView>(CONSULTATIONS_COLLECTION, {
      clinicId,
      ...(patientId === undefined ? {} : { patientId }),
      ...(clinicianId === undefined ? {} : { clinicianId }),
    });
  }
}
