import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { type Clock, CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type ShareCommand } from '../domain/share.decider.js';
import { AccessAudit, actingRole, viewerOf } from './access-audit.js';
import { REPLAY_ACCESS_QUERIES, REPLAY_READ_MODELS, type ReplayAccessQueries } from './replay-access.queries.js';
import { RevokeShareCommand } from './revoke-share.command.js';
import { shareCommandOn } from './share-stream.js';

@CommandHandler(RevokeShareCommand)
export class RevokeShareHandler implements ICommandHandler<RevokeShareCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AccessAudit,
    private readonly metadata: EventMetadataFactory,
  ) {}

  async execute({ user, recordingId, shareId }: RevokeShareCommand): Promise<void> {
    const command: ShareCommand = { type: 'RevokeShare', shareId, viewer: viewerOf(user), recordingId, at: this.clock() };
    await handleCommand(this.store, shareCommandOn(command, this.queries, this.metadata.forUser(user, actingRole(user)))).catch(
      (error: unknown) => this.audit.shareFailed(user, command, error),
    );
    // The grantee loses lists, grants and running streams as soon as the answer arrives.
    await this.freshness.caughtUp(REPLAY_READ_MODELS);
  }
}
