import { DynamicModule, Inject, Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CqrsModule } from '@nestjs/cqrs';
import { TOPICS } from '@vgp/contracts';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { Consumer, MESSAGE_BUS, MessageBus, startInbox, startOutbox } from '@vgp/messaging';
import { OBJECT_STORE, ObjectStore } from '@vgp/object-store';
import { ContextAdapters, HealthRegistry } from '@vgp/platform';
import { InMemoryReadModelStore, READ_MODEL_STORE, ReadModelStore } from '@vgp/read-models';
import { ReplaysController } from './api/replays.controller';
import { ReplayStreamsController } from './api/replay-streams.controller';
import { SharesController } from './api/shares.controller';
import { GrantShareHandler } from './application/grant-share.handler';
import { ListReplaysHandler } from './application/list-replays.handler';
import { REPLAY_CLOCK, replayAccessConfig, ReplaySettings } from './application/replay-access.settings';
import { ReplayEventWriter } from './application/replay-event.writer';
import { ReplayHousekeeping } from './application/replay-housekeeping';
import { ReplayProbeGuard } from './application/replay-probe.guard';
import { RequestReplayGrantHandler } from './application/request-replay-grant.handler';
import { RevokeShareHandler } from './application/revoke-share.handler';
import { ShareCommandRunner } from './application/share-command.runner';
import { StreamReplayHandler } from './application/stream-replay.handler';
import { ReplayAccessProjection } from './infrastructure/replay-access.projection';

/** The integration events replay-access keeps a copy of: booking facts and stored recordings. */
const CONSUMED_TYPES = new Set(['ConsultationBooked', 'ConsultationRescheduled', 'ConsultationCancelled', 'ConsultationCompleted', 'RecordingStored']);

/** The categories it owns and publishes (`replay.events`). */
const OWNED_CATEGORIES = ['access', 'share'];

export const REPLAY_ACCESS_GROUP = 'replay-access';

/** The read-model store forRoot created itself (none when the app handed one over): closed with the module. */
const OWNED_READ_MODEL_STORE = Symbol('REPLAY_ACCESS_OWNED_READ_MODEL_STORE');

/**
 * What a user may replay: lists, grants, streams, consent shares, the kill switch. Every list, grant,
 * denial and view is appended to the context's own store before it is answered.
 */
@Module({})
export class ReplayAccessModule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReplayAccess');
  private inbox: Consumer | null = null;
  private outbox: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly projection: ReplayAccessProjection,
    private readonly housekeeping: ReplayHousekeeping,
    private readonly health: HealthRegistry,
    @Inject(OWNED_READ_MODEL_STORE) private readonly ownedReadModels: ReadModelStore | null,
  ) {}

  static forRoot(adapters: ContextAdapters): DynamicModule {
    if (!adapters.objectStore) throw new Error('ReplayAccessModule.forRoot needs adapters.objectStore: it streams recordings from it');
    // The app's read-model store (MongoDB in distributed mode) is the app's to close; one made here is ours.
    const owned = adapters.readModels ? null : new InMemoryReadModelStore();
    const readModels = adapters.readModels ?? owned;
    return {
      module: ReplayAccessModule,
      imports: [CqrsModule.forRoot(), ConfigModule.forFeature(replayAccessConfig)],
      controllers: [ReplaysController, ReplayStreamsController, SharesController],
      providers: [
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        { provide: OBJECT_STORE, useValue: adapters.objectStore },
        { provide: READ_MODEL_STORE, useValue: readModels },
        { provide: OWNED_READ_MODEL_STORE, useValue: owned },
        { provide: REPLAY_CLOCK, useValue: () => new Date() },
        ReplaySettings,
        ReplayAccessProjection,
        ReplayEventWriter,
        ReplayProbeGuard,
        ReplayHousekeeping,
        ShareCommandRunner,
        ListReplaysHandler,
        RequestReplayGrantHandler,
        StreamReplayHandler,
        GrantShareHandler,
        RevokeShareHandler,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    // Read models first, so nothing is answered from a half-built copy.
    await this.projection.start();
    await this.projection.caughtUp();
    // A rebuilt read model holds every grant ever issued; drop the long-expired ones now, then periodically.
    await this.housekeeping.tick();
    this.housekeeping.start();
    this.inbox = await startInbox({
      store: this.store,
      bus: this.bus,
      groupId: REPLAY_ACCESS_GROUP,
      topics: [TOPICS.consultation, TOPICS.recording],
      accept: (event) => CONSUMED_TYPES.has(event.type),
    });
    this.outbox = startOutbox({ store: this.store, bus: this.bus, subscriptionId: 'replay-access-outbox', categories: OWNED_CATEGORIES, logger: this.logger });
    this.health.register('replay-access', async () => {
      const [store, bus, objects] = await Promise.all([this.store.isHealthy(), this.bus.isHealthy(), this.objects.isHealthy()]);
      return store && bus && objects && this.projection.running;
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.health.unregister('replay-access');
    await this.housekeeping.stop();
    await this.inbox?.stop();
    await this.outbox?.stop();
    await this.projection.stop();
    await this.ownedReadModels?.close();
    this.inbox = null;
    this.outbox = null;
  }
}
