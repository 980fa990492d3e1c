import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ReplaySettings } from './replay-access.settings';
import { viewerOf } from './replay-event.writer';
import { RevokeShareCommand } from './revoke-share.command';
import { ShareCommandRunner } from './share-command.runner';

@CommandHandler(RevokeShareCommand)
export class RevokeShareHandler implements ICommandHandler<RevokeShareCommand> {
  constructor(
    private readonly runner: ShareCommandRunner,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user, recordingId, shareId }: RevokeShareCommand): Promise<void> {
    await this.runner.run(user, { type: 'RevokeShare', shareId, viewer: viewerOf(user), recordingId, at: this.settings.now() });
  }
}
