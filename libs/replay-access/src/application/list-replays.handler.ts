import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideAccess } from '../domain/access-policy';
import { decideAccessCommand, initialAccessState } from '../domain/access.decider';
import { ReplayAccessProjection } from '../infrastructure/replay-access.projection';
import { ListReplaysCommand, ReplayListItem } from './list-replays.command';
import { ReplayKillSwitchEngaged } from './replay-access.failures';
import { ReplaySettings } from './replay-access.settings';
import { accessStreamOf, actingRole, ReplayEventWriter, viewerOf } from './replay-event.writer';

@CommandHandler(ListReplaysCommand)
export class ListReplaysHandler implements ICommandHandler<ListReplaysCommand> {
  constructor(
    private readonly projection: ReplayAccessProjection,
    private readonly writer: ReplayEventWriter,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user }: ListReplaysCommand): Promise<{ items: ReplayListItem[] }> {
    const at = this.settings.now();
    const viewer = viewerOf(user);
    const readModel = this.projection.readModel;
    const recordings = await readModel.recordingsOfClinic(viewer.clinicId);
    const shares = await readModel.sharesOf(recordings.map((r) => r.recordingId));
    const events = decideAccessCommand(
      { type: 'ListReplays', listId: randomUUID(), viewer, at, killSwitch: this.settings.killSwitch },
      initialAccessState(),
      { recordings, shares },
    );
    await this.writer.append(accessStreamOf(viewer.id), events, this.writer.forUser(user, actingRole(user)), at);

    const [event] = events;
    if (event.type !== 'ReplayListed') throw new ReplayKillSwitchEngaged();
    // The answer is built from the appended event: nothing is listed that was not recorded first.
    const byId = new Map(recordings.map((r) => [r.recordingId, r]));
    const items = event.data.recordingIds.map((recordingId): ReplayListItem => {
      const r = byId.get(recordingId);
      const decision = r ? decideAccess(viewer, r, shares, at) : null;
      if (!r || !decision?.allowed) throw new Error('the list and the access policy disagree');
      return {
        recordingId: r.recordingId,
        consultationId: r.consultationId,
        callId: r.callId,
        segmentSeq: r.segmentSeq,
        mode: r.mode,
        contentType: r.contentType,
        bytes: r.bytes,
        recordedAt: r.recordedAt,
        basis: decision.basis,
      };
    });
    return { items };
  }
}
