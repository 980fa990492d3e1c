import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideAccessCommand, initialAccessState } from '../domain/access.decider';
import { ReplayAccessProjection } from '../infrastructure/replay-access.projection';
import { ReplayKillSwitchEngaged, ReplayResourceNotFound } from './replay-access.failures';
import { ReplaySettings } from './replay-access.settings';
import { accessStreamOf, actingRole, ReplayEventWriter, viewerOf } from './replay-event.writer';
import { ReplayGrant, RequestReplayGrantCommand } from './request-replay-grant.command';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

@CommandHandler(RequestReplayGrantCommand)
export class RequestReplayGrantHandler implements ICommandHandler<RequestReplayGrantCommand> {
  constructor(
    private readonly projection: ReplayAccessProjection,
    private readonly writer: ReplayEventWriter,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user, recordingId }: RequestReplayGrantCommand): Promise<ReplayGrant> {
    const at = this.settings.now();
    const viewer = viewerOf(user);
    const [recording, shares] = await Promise.all([this.projection.readModel.recording(recordingId), this.projection.readModel.sharesOf([recordingId])]);
    // 32 random bytes: the token is the credential of the stream URL; only its hash is stored.
    const token = randomBytes(32).toString('base64url');
    const events = decideAccessCommand(
      {
        type: 'RequestGrant',
        grantId: randomUUID(),
        viewer,
        recordingId,
        tokenSha256: sha256Hex(token),
        at,
        expiresAt: new Date(at.getTime() + this.settings.grantTtlSeconds * 1000),
        killSwitch: this.settings.killSwitch,
      },
      initialAccessState(),
      { recordings: recording ? [recording] : [], shares },
    );
    await this.writer.append(accessStreamOf(viewer.id), events, this.writer.forUser(user, actingRole(user, recording?.clinicianId)), at);

    const [event] = events;
    if (event.type === 'ReplayDenied') {
      throw event.data.reason === 'kill_switch' ? new ReplayKillSwitchEngaged() : new ReplayResourceNotFound('recording');
    }
    if (event.type !== 'ReplayGranted') throw new Error(`unexpected ${event.type}`);
    // The stream endpoint must find the grant as soon as the caller has the URL.
    await this.projection.caughtUp();
    return { grantId: event.data.grantId, url: `/v1/replay-streams/${token}`, expiresAt: event.data.expiresAt };
  }
}
