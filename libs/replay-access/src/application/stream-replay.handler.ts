import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type EventMetadata } from '@vgp/contracts';
import { OBJECT_STORE, ObjectNotFound, type ObjectStore, RangeNotSatisfiable as ObjectRangeNotSatisfiable } from '@vgp/object-store';
import { type Clock, CLOCK, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type RecordingFacts } from '../domain/access-policy.js';
import { accessDecider, type IssuedGrant, stateOf } from '../domain/access.decider.js';
import { refusalOf, ReplayRateLimited, ReplayResourceNotFound } from '../domain/replay-access.errors.js';
import { ANONYMOUS_VIEWER, findEvent } from '../domain/replay-access.events.js';
import { AccessAudit, accessStreamOf, actingRole } from './access-audit.js';
import { ReplaySettings } from './replay-access.config.js';
import { REPLAY_ACCESS_QUERIES, REPLAY_READ_MODELS, type ReplayAccessQueries } from './replay-access.queries.js';
import { ReplayProbeGuard } from './replay-probe.guard.js';
import { sha256Hex } from './request-replay-grant.handler.js';
import { type ReplayStream, StreamReplayCommand } from './stream-replay.command.js';

@CommandHandler(StreamReplayCommand)
export class StreamReplayHandler implements ICommandHandler<StreamReplayCommand> {
  constructor(
    @Inject(REPLAY_ACCESS_QUERIES) private readonly queries: ReplayAccessQueries,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly audit: AccessAudit,
    private readonly metadata: EventMetadataFactory,
    private readonly settings: ReplaySettings,
    private readonly probes: ReplayProbeGuard,
  ) {}

  async execute({ token, range, clientAddress }: StreamReplayCommand): Promise<ReplayStream> {
    // Current, or a 503: a stopped read model must not answer from before a revocation.
    await this.freshness.caughtUp(REPLAY_READ_MODELS);
    const at = this.clock();
    const tokenSha256 = sha256Hex(token);
    // Looked up first (a long-expired grant answers as unknown), then admitted synchronously: every
    // request is counted the moment it is admitted, so concurrent probes cannot all slip under the limit.
    const grant = await this.queries.grant(tokenSha256, at);
    const admission = this.probes.admit(clientAddress, grant === null);
    // Past the limit: refused with no event of its own; counted into one `rate_limited` event for the period.
    if (!admission.allowed) throw new ReplayRateLimited(admission.retryAfterSeconds);
    // The refusals of the period that just ended are recorded before this request gets any answer.
    if (admission.suppressed) await this.probes.audit(admission.suppressed);
    const recording = grant ? await this.withStoredMedia(await this.queries.recording(grant.recordingId)) : null;
    const shares = recording ? await this.queries.sharesOf([recording.recordingId]) : [];
    const events = accessDecider.decide(
      { type: 'StreamReplay', tokenSha256, range, at, killSwitch: this.settings.killSwitch },
      stateOf(grant),
      { recordings: recording ? [recording] : [], shares },
    );
    const stream = accessStreamOf(grant?.viewerId ?? ANONYMOUS_VIEWER);
    const metadata = this.metadataOf(grant, recording);

    const streamed = findEvent(events, 'ReplayStreamed');
    if (!streamed || !recording) {
      // Deny by default: anything but a view is recorded as decided, then refused.
      await this.audit.record(stream, events, metadata, at);
      throw refusalOf(events, 'stream');
    }
    const { rangeStart: start, rangeEnd: end, totalBytes } = streamed.data;

    // Open the media before the audit so a missing object records no view; send nothing until the append is durable.
    const body = await this.objects.get(recording.objectKey, totalBytes > 0 ? { start, end } : undefined).catch((error: unknown) => {
      if (error instanceof ObjectNotFound || error instanceof ObjectRangeNotSatisfiable) throw new ReplayResourceNotFound('stream');
      throw error;
    });
    try {
      await this.audit.record(stream, events, metadata, at);
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
    if (!grant || grant.viewerRoles.length === 0) return this.metadata.system();
    const user = { id: grant.viewerId, roles: [...grant.viewerRoles], clinicId: grant.clinicId ?? '' };
    return this.metadata.forUser(user, actingRole(user, recording?.clinicianId));
  }
}
