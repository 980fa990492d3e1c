import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Clock, CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { decideAccess } from '../domain/access-policy.js';
import { accessDecider } from '../domain/access.decider.js';
import { refusalOf } from '../domain/replay-access.errors.js';
import { findEvent } from '../domain/replay-access.events.js';
import { AccessAudit, accessStreamOf, actingRole, viewerOf } from './access-audit.js';
import { ListReplaysCommand, type ReplayListItem } from './list-replays.command.js';
import { ReplaySettings } from './replay-access.config.js';
import { REPLAY_ACCESS_QUERIES, REPLAY_READ_MODELS, type ReplayAccessQueries } from './replay-access.queries.js';

@CommandHandler(ListReplaysCommand)
export class ListReplaysHandler implements ICommandHandler<ListReplaysCommand> {
  constructor(
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly audit: AccessAudit,
    private readonly metadata: EventMetadataFactory,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user }: ListReplaysCommand): Promise<{ items: ReplayListItem[] }> {
    // Current, or a 503: a stopped read model must not answer from before a revocation.
    await this.freshness.caughtUp(REPLAY_READ_MODELS);
    const at = this.clock();
    const viewer = viewerOf(user);
    const { recordings, shares } = await this.queries.listCandidates(viewer);
    const events = accessDecider.decide(
      { type: 'ListReplays', listId: randomUUID(), viewer, at, killSwitch: this.settings.killSwitch },
      accessDecider.initialState(),
      { recordings, shares },
    );
    await this.audit.record(accessStreamOf(viewer.id), events, this.metadata.forUser(user, actingRole(user)), at);

    const listed = findEvent(events, 'ReplayListed');
    if (!listed) throw refusalOf(events, 'recording');
    // The answer is built from the appended event: nothing is listed that was not recorded first.
    const byId = new Map(recordings.map((r) => [r.recordingId, r]));
    const items = listed.data.recordingIds.flatMap((recordingId): ReplayListItem[] => {
      const r = byId.get(recordingId);
      const decision = r && decideAccess(viewer, r, shares, at);
      if (!r || !decision?.allowed) return [];
      const { consultationId, callId, segmentSeq, mode, contentType, bytes, recordedAt } = r;
      return [{ recordingId, consultationId, callId, segmentSeq, mode, contentType, bytes, recordedAt, basis: decision.basis }];
    });
    return { items };
  }
}
