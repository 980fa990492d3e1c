import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventMetadata } from '@vgp/contracts';
import { OBJECT_STORE, ObjectNotFound, ObjectStore, RangeNotSatisfiable as ObjectRangeNotSatisfiable } from '@vgp/object-store';
import { RecordingFacts } from '../domain/access-policy';
import { decideAccessCommand, IssuedGrant } from '../domain/access.decider';
import { ANONYMOUS_VIEWER } from '../domain/replay-access.events';
import { ReplayAccessProjection } from '../infrastructure/replay-access.projection';
import { stateOf } from '../infrastructure/replay-access.read-model';
import { ReplayKillSwitchEngaged, ReplayRateLimited, ReplayResourceNotFound } from './replay-access.failures';
import { ReplaySettings } from './replay-access.settings';
import { accessStreamOf, actingRole, ReplayEventWriter } from './replay-event.writer';
import { ReplayProbeGuard } from './replay-probe.guard';
import { sha256Hex } from './request-replay-grant.handler';
import { ReplayStream, StreamReplayCommand } from './stream-replay.command';

@CommandHandler(StreamReplayCommand)
export class StreamReplayHandler implements ICommandHandler<StreamReplayCommand> {
  constructor(
    private readonly projection: ReplayAccessProjection,
    private readonly writer: ReplayEventWriter,
    private readonly settings: ReplaySettings,
    private readonly probes: ReplayProbeGuard,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
  ) {}

  async execute({ token, range, clientAddress }: StreamReplayCommand): Promise<ReplayStream> {
    const at = this.settings.now();
    const readModel = this.projection.readModel;
    const tokenSha256 = sha256Hex(token);
    // Looked up first (a long-expired grant answers as unknown), then admitted synchronously: every
    // request is counted the moment it is admitted, so concurrent probes cannot all slip under the limit.
    const grant = await readModel.grant(tokenSha256, at);
    const admission = this.probes.admit(clientAddress, grant === null);
    // Past the limit: refused with no event of its own; counted into one `rate_limited` event for the period.
    if (!admission.allowed) throw new ReplayRateLimited(admission.retryAfterSeconds);
    // The refusals of the period that just ended are recorded before this request gets any answer.
    if (admission.suppressed) await this.probes.audit(admission.suppressed);
    const recording = grant ? await this.withStoredMedia(await readModel.recording(grant.recordingId)) : null;
    const shares = recording ? await readModel.sharesOf([recording.recordingId]) : [];
    const events = decideAccessCommand(
      { type: 'StreamReplay', tokenSha256, range, at, killSwitch: this.settings.killSwitch },
      stateOf(grant),
      { recordings: recording ? [recording] : [], shares },
    );
    const [event] = events;
    const stream = accessStreamOf(grant?.viewerId ?? ANONYMOUS_VIEWER);
    const metadata = this.metadataOf(grant, recording);

    if (event.type === 'ReplayDenied') {
      await this.writer.append(stream, events, metadata, at);
      throw event.data.reason === 'kill_switch' ? new ReplayKillSwitchEngaged() : new ReplayResourceNotFound('stream');
    }
    if (event.type !== 'ReplayStreamed' || !recording) throw new Error(`unexpected ${event.type}`);
    const { rangeStart: start, rangeEnd: end, totalBytes } = event.data;

    // Open the media before the audit so a missing object records no view; send nothing until the append is durable.
    const body = await this.objects.get(recording.objectKey, totalBytes > 0 ? { start, end } : undefined).catch((error: unknown) => {
      if (error instanceof ObjectNotFound || error instanceof ObjectRangeNotSatisfiable) throw new ReplayResourceNotFound('stream');
      throw error;
    });
    try {
      await this.writer.append(stream, events, metadata, at);
    } catch (error) {
      body.destroy();
      throw error;
    }
    return { body, contentType: recording.contentType, start, end, totalBytes, partial: range !== undefined };
  }

  /** A recording counts as present only while its media is stored at the size it was recorded with. */
  private async withStoredMedia(recording: RecordingFacts | null): Promise<RecordingFacts | null> {
    if (!recording) return null;
    const stored = await this.objects.head(recording.objectKey);
    return stored && stored.bytes === recording.bytes ? recording : null;
  }

  /** The token holder acts as the viewer the grant was issued to; an unknown token has no one behind it. */
  private metadataOf(grant: IssuedGrant | null, recording: RecordingFacts | null): EventMetadata {
    if (!grant || grant.viewerRoles.length === 0) return this.writer.system();
    const user = { id: grant.viewerId, roles: [...grant.viewerRoles], clinicId: grant.clinicId ?? '' };
    return this.writer.forUser(user, actingRole(user, recording?.clinicianId));
  }
}
