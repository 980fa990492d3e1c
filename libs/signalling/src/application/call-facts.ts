import { Injectable } from '@nestjs/common';
import { AppConfig } from '@vgp/platform';
import { CallFacts } from '../domain/call.decider';
import { CallsProjection } from '../infrastructure/calls.projection';
import { ConsultationsProjection } from '../infrastructure/consultations.projection';

/** Looks up what the server knows about a consultation; nothing here comes from the client. */
@Injectable()
export class CallFactsProvider {
  constructor(
    private readonly consultations: ConsultationsProjection,
    private readonly calls: CallsProjection,
    private readonly config: AppConfig,
  ) {}

  async forConsultation(consultationId: string): Promise<CallFacts> {
    // The inbox may have just stored the booking: read after it.
    await this.consultations.caughtUp();
    const [consultation, activeCall] = await Promise.all([this.consultations.get(consultationId), this.calls.activeCallOf(consultationId)]);
    return {
      consultation,
      joinGraceMinutes: this.config.get('CALL_JOIN_GRACE_MINUTES'),
      activeCallId: activeCall?.callId ?? null,
    };
  }
}
