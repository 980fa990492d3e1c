import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { type Clock, CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { ShareAlreadyExists } from '../domain/replay-access.errors.js';
import { findEvent } from '../domain/replay-access.events.js';
import { type ShareCommand } from '../domain/share.decider.js';
import { AccessAudit, actingRole, viewerOf } from './access-audit.js';
import { type GivenShare, GrantShareCommand } from './grant-share.command.js';
import { REPLAY_ACCESS_QUERIES, REPLAY_READ_MODELS, type ReplayAccessQueries } from './replay-access.queries.js';
import { shareCommandOn } from './share-stream.js';

@CommandHandler(GrantShareCommand)
export class GrantShareHandler implements ICommandHandler<GrantShareCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AccessAudit,
    private readonly metadata: EventMetadataFactory,
  ) {}

  async execute({ user, recordingId, granteeId, purpose, until }: GrantShareCommand): Promise<GivenShare> {
    const command: ShareCommand = {
      type: 'GrantShare',
      shareId: randomUUID(),
      viewer: viewerOf(user),
      recordingId,
      granteeId,
      purpose,
      until,
      at: this.clock(),
    };
    const { events } = await handleCommand(
      this.store,
      shareCommandOn(command, this.queries, this.metadata.forUser(user, actingRole(user))),
    ).catch((error: unknown) => this.audit.shareFailed(user, command, error));
    const granted = findEvent(events, 'ShareGranted');
    // Giving a share either appends it or throws; no event means the id was taken.
    if (!granted) throw new ShareAlreadyExists(command.shareId);
    // The grantee may list and replay it as soon as the answer arrives.
    await this.freshness.caughtUp(REPLAY_READ_MODELS);
    const { shareId, granteeId: grantee, purpose: given, until: end } = granted.data;
    return { shareId, recordingId: granted.data.recordingId, granteeId: grantee, purpose: given, until: end };
  }
}
