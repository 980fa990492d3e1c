import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { isBookingFactEvent, TOPICS } from '@vgp/contracts';
import { OBJECT_STORE, type ObjectStore } from '@vgp/object-store';
import { type ContextAdapters, contextProviders } from '@vgp/platform';
import { ReplaysController } from './api/replays.controller.js';
import { ReplayStreamsController } from './api/replay-streams.controller.js';
import { SharesController } from './api/shares.controller.js';
import { AccessAudit } from './application/access-audit.js';
import { GrantShareHandler } from './application/grant-share.handler.js';
import { ListReplaysHandler } from './application/list-replays.handler.js';
import { ReplaySettings } from './application/replay-access.config.js';
import { REPLAY_ACCESS_QUERIES } from './application/replay-access.queries.js';
import { ReplayHousekeeping } from './application/replay-housekeeping.js';
import { ReplayProbeGuard } from './application/replay-probe.guard.js';
import { RequestReplayGrantHandler } from './application/request-replay-grant.handler.js';
import { RevokeShareHandler } from './application/revoke-share.handler.js';
import { StreamReplayHandler } from './application/stream-replay.handler.js';
import { replayAccessProjection } from './infrastructure/replay-access.projection.js';
import { ReadModelReplayAccessQueries } from './infrastructure/replay-access.queries.adapter.js';

export const REPLAY_ACCESS_GROUP = 'replay-access';

/**
 * What a user may replay: lists, grants, streams, consent shares, the kill switch. Every list, grant,
 * denial and view is appended to the context's own store before it is answered.
 */
@Module({})
export class ReplayAccessModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    if (!adapters.objectStore) throw new Error('ReplayAccessModule.forRoot needs adapters.objectStore: it streams recordings from it');
    return {
      module: ReplayAccessModule,
      imports: [CqrsModule.forRoot()],
      controllers: [ReplaysController, ReplayStreamsController, SharesController],
      providers: [
        ...contextProviders(adapters, {
          inject: [OBJECT_STORE, ReplayHousekeeping],
          spec: (objects: ObjectStore, housekeeping: ReplayHousekeeping) => ({
            name: 'replay-access',
            // 'stop', never 'park': the read models are the authorisation facts; skipping a revocation or a
            // booking cancellation would let someone replay what they may no longer see.
            projections: [{ definition: replayAccessProjection, onFailure: 'stop' }],
            // Booking facts and stored recordings: the facts every decision is taken on.
            inbox: {
              groupId: REPLAY_ACCESS_GROUP,
              topics: [TOPICS.consultation, TOPICS.recording],
              accept: (event) => isBookingFactEvent(event) || event.type === 'RecordingStored',
            },
            // Every list, grant, denial, view and share, for the audit context (`replay.events`).
            outbox: { subscriptionId: 'replay-access-outbox', categories: ['access', 'share'] },
            ready: () => objects.isHealthy(),
            started: () => housekeeping.start(),
            stopping: () => housekeeping.stop(),
          }),
        }),
        { provide: REPLAY_ACCESS_QUERIES, useClass: ReadModelReplayAccessQueries },
        ReplaySettings,
        AccessAudit,
        ReplayProbeGuard,
        ReplayHousekeeping,
        ListReplaysHandler,
        RequestReplayGrantHandler,
        StreamReplayHandler,
        GrantShareHandler,
        RevokeShareHandler,
      ],
    };
  }
}
