import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { isBookingFactEvent } from '@vgp/contracts';
import { EVENT_STORE, type EventStore, type StoredEvent, type Subscription } from '@vgp/event-store';
import { type Clock, CLOCK, EventMetadataFactory, runWithCorrelationId } from '@vgp/platform';
import { CloseCallCommand } from './close-call.command.js';

/** When booking cancels a consultation, its running call ends (reason consultation_cancelled). */
@Injectable()
export class ConsultationCancellationsReactor {
  private readonly logger = new Logger(ConsultationCancellationsReactor.name);
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: CommandBus,
    private readonly metadata: EventMetadataFactory,
  ) {}

  start(): void {
    // Checkpointed: each cancellation is acted on once, also across restarts.
    this.subscription ??= this.store.subscribe(
      { subscriptionId: 'signalling-consultation-cancellations', categories: ['inbox'] },
      (event) => this.handle(event),
    );
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  private async handle(event: StoredEvent): Promise<void> {
    if (!isBookingFactEvent(event) || event.type !== 'ConsultationCancelled') return;
    const closed = await runWithCorrelationId(event.correlationId, () =>
      this.commands.execute(
        new CloseCallCommand(event.data.consultationId, 'consultation_cancelled', this.clock(), this.metadata.causedBy(event)),
      ),
    );
    for (const ended of closed?.events ?? []) this.logger.log(`call ${ended.data.callId} ended: consultation cancelled`);
  }
}
