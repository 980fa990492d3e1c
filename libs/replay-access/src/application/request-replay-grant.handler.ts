import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type Clock, CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { accessDecider } from '../domain/access.decider.js';
import { refusalOf } from '../domain/replay-access.errors.js';
import { findEvent } from '../domain/replay-access.events.js';
import { AccessAudit, accessStreamOf, actingRole, viewerOf } from './access-audit.js';
import { ReplaySettings } from './replay-access.config.js';
import { REPLAY_ACCESS_QUERIES, REPLAY_READ_MODELS, type ReplayAccessQueries } from './replay-access.queries.js';
import { type ReplayGrant, RequestReplayGrantCommand } from './request-replay-grant.command.js';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

@CommandHandler(RequestReplayGrantCommand)
export class RequestReplayGrantHandler implements ICommandHandler<RequestReplayGrantCommand> {
  constructor(
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AccessAudit,
    private readonly metadata: EventMetadataFactory,
    private readonly settings: ReplaySettings,
  ) {}

  async execute({ user, recordingId }: RequestReplayGrantCommand): Promise<ReplayGrant> {
    const at = this.clock();
    const viewer = viewerOf(user);
    const [recording, shares] = await Promise.all([this.queries.recording(recordingId), this.queries.sharesOf([recordingId])]);
    // 32 random bytes: the token is the credential of the stream URL; only its hash is stored.
    const token = randomBytes(32).toString('base64url');
    const events = accessDecider.decide(
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
      accessDecider.initialState(),
      { recordings: recording ? [recording] : [], shares },
    );
    await this.audit.record(accessStreamOf(viewer.id), events, this.metadata.forUser(user, actingRole(user, recording?.clinicianId)), at);

    const granted = findEvent(events, 'ReplayGranted');
    if (!granted) throw refusalOf(events, 'recording');
    // The stream endpoint must find the grant as soon as the caller has the URL.
    await this.freshness.caughtUp(REPLAY_READ_MODELS);
    return { grantId: granted.data.grantId, url: `/v1/replay-streams/${token}`, expiresAt: granted.data.expiresAt };
  }
}
