import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type CallFacts } from '../domain/call.decider.js';
import { CALL_QUERIES, type CallQueries } from './call.queries.js';
import { CONSULTATION_QUERIES, CONSULTATIONS_READ_MODEL, type ConsultationQueries } from './consultation.queries.js';

/** Looks up what the server knows about a consultation; nothing here comes from the client. */
@Injectable()
export class CallFactsProvider {
  constructor(
    @Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries,
    @Inject(CALL_QUERIES) private readonly calls: CallQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly config: AppConfig,
  ) {}

  async forConsultation(consultationId: string): Promise<CallFacts> {
    // The inbox may have just stored the booking: read after it.
    await this.freshness.caughtUp(CONSULTATIONS_READ_MODEL);
    const [consultation, activeCall] = await Promise.all([this.consultations.get(consultationId), this.calls.activeCallOf(consultationId)]);
    return {
      consultation,
      joinGraceMinutes: this.config.get('CALL_JOIN_GRACE_MINUTES'),
      activeCallId: activeCall?.callId ?? null,
    };
  }
}
