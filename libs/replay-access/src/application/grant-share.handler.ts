import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GivenShare, GrantShareCommand } from './grant-share.command';
import { ReplaySettings } from './replay-access.settings';
import { viewerOf } from './replay-event.writer';
import { ShareCommandRunner } from './share-command.runner';

@CommandHandler(GrantShareCommand)
export class GrantShareHandler implements ICommandHandler<GrantShareCommand> {
  constructor(
    private readonly runner: ShareCommandRunner,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user, recordingId, granteeId, purpose, until }: GrantShareCommand): Promise<GivenShare> {
    const [event] = await this.runner.run(user, {
      type: 'GrantShare',
      shareId: randomUUID(),
      viewer: viewerOf(user),
      recordingId,
      granteeId,
      purpose,
      until,
      at: this.settings.now(),
    });
    if (event?.type !== 'ShareGranted') throw new Error('a share was decided without being granted');
    const { shareId, until: end } = event.data;
    return { shareId, recordingId: event.data.recordingId, granteeId: event.data.granteeId, purpose: event.data.purpose, until: end };
  }
}
