import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@vgp/contracts';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { Consumer, MESSAGE_BUS, MessageBus, startInbox, startOutbox } from '@vgp/messaging';
import { HealthRegistry } from '@vgp/platform';
import type { ReadModelStore } from '@vgp/read-models';
import { SignallingGateway } from './api/signalling.gateway';
import { ConsultationCancellationsReactor } from './application/consultation-cancellations.reactor';
import { CallsProjection } from './infrastructure/calls.projection';
import { ConsultationsProjection } from './infrastructure/consultations.projection';

export const SIGNALLING_READINESS = 'signalling';

/** The read-model store this module created itself (null when the app handed one over): closed with the module. */
export const OWNED_READ_MODEL_STORE = Symbol('SIGNALLING_OWNED_READ_MODEL_STORE');

/** Starts the context: read models rebuilt first, then the inbox and the outbox; stops them in reverse. */
@Injectable()
export class SignallingRuntime implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private inbox: Consumer | null = null;
  private outbox: Subscription | null = null;
  private ready = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly consultations: ConsultationsProjection,
    private readonly calls: CallsProjection,
    private readonly reactor: ConsultationCancellationsReactor,
    private readonly gateway: SignallingGateway,
    private readonly health: HealthRegistry,
    @Inject(OWNED_READ_MODEL_STORE) private readonly ownedReadModels: ReadModelStore | null,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register(SIGNALLING_READINESS, async () => this.ready && (await this.store.isHealthy()) && (await this.bus.isHealthy()));
    await Promise.all([this.consultations.start(), this.calls.start()]);
    this.inbox = await startInbox({
      store: this.store,
      bus: this.bus,
      groupId: 'signalling',
      topics: [TOPICS.consultation],
      accept: (event) => event.type.startsWith('Consultation'),
    });
    this.outbox = startOutbox({ store: this.store, bus: this.bus, subscriptionId: 'signalling-outbox', categories: ['call'] });
    this.ready = true;
  }

  onApplicationBootstrap(): void {
    // Command handlers are registered at bootstrap; the reactor dispatches commands.
    this.reactor.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.ready = false;
    this.health.unregister(SIGNALLING_READINESS);
    await this.gateway.shutdown();
    await this.reactor.stop();
    await this.inbox?.stop();
    await this.outbox?.stop();
    await Promise.all([this.consultations.stop(), this.calls.stop()]);
    await this.ownedReadModels?.close();
  }
}
