import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type CallFacts } from '../domain/call.decider.js';
import { CONSULTATION_QUERIES, CONSULTATIONS_READ_MODEL, type ConsultationQueries } from './consultation.queries.js';

/** Looks up what the server knows about a consultation; nothing here comes from the client. */
@Injectable()
export class CallFactsProvider {
  constructor(
    @Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly config: AppConfig,
  ) {}

  async forConsultation(consultationId: string): Promise<CallFacts> {
    // The inbox may have just stored the booking: read after it.
    await this.freshness.caughtUp(CONSULTATIONS_READ_MODEL);
    // The running call is not among them: StartCall reads it from the store (StartCallHandler).
    return { consultation: await this.consultations.get(consultationId), joinGraceMinutes: this.config.get('CALL_JOIN_GRACE_MINUTES') };
  }
}
