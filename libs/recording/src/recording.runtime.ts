import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@vgp/contracts';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { Consumer, MESSAGE_BUS, MessageBus, startInbox, startOutbox } from '@vgp/messaging';
import { OBJECT_STORE, ObjectStore } from '@vgp/object-store';
import { HealthRegistry } from '@vgp/platform';
import type { ReadModelStore } from '@vgp/read-models';
import { CallBindingsProjection } from './infrastructure/call-bindings.projection';

export const RECORDING_READINESS = 'recording';

/** The read-model store this module created itself (null when the app handed one over): closed with the module. */
export const OWNED_READ_MODEL_STORE = Symbol('RECORDING_OWNED_READ_MODEL_STORE');

const CONSUMED = new Set(['ConsultationBooked', 'CallStarted', 'MediaModeSwitched', 'CallEnded']);

/** Starts the context: the bindings read model rebuilt first, then the inbox and the outbox; stops them in reverse. */
@Injectable()
export class RecordingRuntime implements OnModuleInit, OnModuleDestroy {
  private inbox: Consumer | null = null;
  private outbox: Subscription | null = null;
  private ready = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly bindings: CallBindingsProjection,
    private readonly health: HealthRegistry,
    @Inject(OWNED_READ_MODEL_STORE) private readonly ownedReadModels: ReadModelStore | null,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register(RECORDING_READINESS, async () => {
      if (!this.ready) return false;
      const checks = await Promise.all([this.store.isHealthy(), this.bus.isHealthy(), this.objects.isHealthy()]);
      return checks.every(Boolean);
    });
    await this.bindings.start();
    this.inbox = await startInbox({
      store: this.store,
      bus: this.bus,
      groupId: 'recording',
      topics: [TOPICS.consultation, TOPICS.call],
      // Only what binds an upload; who joined or left a call is not recording's business.
      accept: (event) => CONSUMED.has(event.type),
    });
    this.outbox = startOutbox({ store: this.store, bus: this.bus, subscriptionId: 'recording-outbox', categories: ['recording'] });
    this.ready = true;
  }

  async onModuleDestroy(): Promise<void> {
    this.ready = false;
    this.health.unregister(RECORDING_READINESS);
    await this.inbox?.stop();
    await this.outbox?.stop();
    await this.bindings.stop();
    await this.ownedReadModels?.close();
  }
}
