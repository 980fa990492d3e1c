import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ConsultationEventData } from '@vgp/contracts';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { EventMetadataFactory, runWithCorrelationId } from '@vgp/platform';
import { CallsProjection } from '../infrastructure/calls.projection';
import { CloseCallCommand } from './close-call.command';

/** When booking cancels a consultation, its running call ends (reason consultation_cancelled). */
@Injectable()
export class ConsultationCancellationsReactor {
  private readonly logger = new Logger(ConsultationCancellationsReactor.name);
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly calls: CallsProjection,
    private readonly commands: CommandBus,
    private readonly metadata: EventMetadataFactory,
  ) {}

  start(): void {
    // Checkpointed: each cancellation is acted on once, also across restarts.
    this.subscription ??= this.store.subscribe({ subscriptionId: 'signalling-consultation-cancellations', categories: ['inbox'] }, (event) =>
      this.handle(event),
    );
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  private async handle(event: StoredEvent): Promise<void> {
    if (event.type !== 'ConsultationCancelled') return;
    const { consultationId } = event.data as ConsultationEventData['ConsultationCancelled'];
    await this.calls.caughtUp();
    const call = await this.calls.activeCallOf(consultationId);
    if (!call) return;
    await runWithCorrelationId(event.correlationId, () =>
      this.commands.execute(new CloseCallCommand(call.callId, 'consultation_cancelled', new Date(), this.metadata.causedBy(event))),
    );
    this.logger.log(`call ${call.callId} ended: consultation cancelled`);
  }
}
