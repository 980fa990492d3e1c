import { DynamicModule, Inject, Logger, Module, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { MESSAGE_BUS, MessageBus, startOutbox } from '@vgp/messaging';
import { ContextAdapters, HealthRegistry } from '@vgp/platform';
import { InMemoryReadModelStore, READ_MODEL_STORE, ReadModelStore } from '@vgp/read-models';
import { ConsultationsController } from './api/consultations.controller';
import { BookConsultationHandler } from './application/book-consultation.handler';
import { BOOKING_CLOCK } from './application/booking.tokens';
import { CancelConsultationHandler } from './application/cancel-consultation.handler';
import { CompleteConsultationHandler } from './application/complete-consultation.handler';
import { ConsultationWriter } from './application/consultation-writer';
import { GetConsultationHandler } from './application/get-consultation.handler';
import { ListConsultationsHandler } from './application/list-consultations.handler';
import { RescheduleConsultationHandler } from './application/reschedule-consultation.handler';
import { ConsultationsProjection } from './infrastructure/consultations.projection';

export const BOOKING_OUTBOX_ID = 'booking-outbox';
const READINESS_CHECK = 'booking';
/** The read-model store this module created itself (none given): it closes it on destroy. Null when the app owns it. */
const OWN_READ_MODEL_STORE = Symbol('BOOKING_OWN_READ_MODEL_STORE');

/**
 * The booking context: consultations (book, reschedule, cancel, complete) in its own event store,
 * published on `consultation.events` through its outbox. It consumes nothing.
 */
@Module({})
export class BookingModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BookingModule');
  private outbox: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly projection: ConsultationsProjection,
    private readonly health: HealthRegistry,
    @Inject(OWN_READ_MODEL_STORE) private readonly ownReadModels: ReadModelStore | null,
  ) {}

  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: BookingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [ConsultationsController],
      providers: [
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        { provide: BOOKING_CLOCK, useValue: () => new Date() },
        // The app's store (MongoDB in distributed mode) or, embedded, one in memory of this module's own.
        { provide: OWN_READ_MODEL_STORE, useFactory: (): ReadModelStore | null => (adapters.readModels ? null : new InMemoryReadModelStore()) },
        {
          provide: READ_MODEL_STORE,
          useFactory: (own: ReadModelStore | null): ReadModelStore => adapters.readModels ?? (own as ReadModelStore),
          inject: [OWN_READ_MODEL_STORE],
        },
        ConsultationsProjection,
        ConsultationWriter,
        BookConsultationHandler,
        RescheduleConsultationHandler,
        CancelConsultationHandler,
        CompleteConsultationHandler,
        GetConsultationHandler,
        ListConsultationsHandler,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.projection.start();
    // Serve nothing before the read model holds every stored consultation.
    await this.projection.caughtUp();
    this.health.register(READINESS_CHECK, async () => this.projection.running && (await this.store.isHealthy()));
  }

  /**
   * Publishing starts after every module's init, so consumers in the same process (embedded mode)
   * have joined their groups first: an in-process group only receives what is published after it joined.
   */
  onApplicationBootstrap(): void {
    this.outbox ??= startOutbox({ store: this.store, bus: this.bus, subscriptionId: BOOKING_OUTBOX_ID, categories: ['consultation'], logger: this.logger });
  }

  async onModuleDestroy(): Promise<void> {
    this.health.unregister(READINESS_CHECK);
    await this.outbox?.stop();
    this.outbox = null;
    await this.projection.stop();
    // The app's store is the app's to close.
    await this.ownReadModels?.close();
  }
}
