import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, EventStoreUnavailable, handleCommand } from '@vgp/event-store';
import { OBJECT_STORE, type ObjectStore, ObjectTooLarge, type StoredObject } from '@vgp/object-store';
import { AppConfig, CLOCK, type Clock, EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { type CallBinding } from '../domain/call-binding.js';
import { recordingDecider, type StoreRecording, type UploadRequest, planUpload } from '../domain/recording.decider.js';
import { RecordingNotRecorded, UploadTooLarge } from '../domain/recording.errors.js';
import { CALL_BINDING_QUERIES, CALL_BINDINGS_PROJECTION, type CallBindingQueries } from './call-binding.queries.js';
import { StoreRecordingCommand, type StoredRecordingView } from './store-recording.command.js';

/** Object keys take [A-Za-z0-9._-] per segment; ids are uuids, but a clinic id is whatever the IdP says. */
const keySegment = (id: string): string => {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.+$/.test(safe) ? `_${safe}` : safe;
};

export const objectKeyOf = (binding: CallBinding, recordingId: string): string =>
  ['recordings', binding.clinicId, binding.consultationId, binding.callId, recordingId].map(keySegment).join('/');

/**
 * Checks the call and the uploader before a byte is read, streams the body to a server-chosen key,
 * then decides against the call as it is now and appends RecordingStored. Whatever fails after the
 * bytes are stored removes them again: no object exists without its event.
 */
@CommandHandler(StoreRecordingCommand)
export class StoreRecordingHandler implements ICommandHandler<StoreRecordingCommand, StoredRecordingView> {
  private readonly logger = new Logger(StoreRecordingHandler.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(CALL_BINDING_QUERIES) private readonly bindings: CallBindingQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metadata: EventMetadataFactory,
    private readonly config: AppConfig,
  ) {}

  async execute(command: StoreRecordingCommand): Promise<StoredRecordingView> {
    const request: UploadRequest = {
      callId: command.callId,
      uploaderId: command.uploader.id,
      uploaderClinicId: command.uploader.clinicId,
      requestedSegmentId: command.requestedSegmentId,
      contentType: command.contentType ?? '',
    };
    const target = planUpload(request, await this.bindingOf(command.callId));

    const recordingId = randomUUID();
    const objectKey = objectKeyOf(target.binding, recordingId);
    const stored = await this.put(objectKey, command.body(), target.contentType);
    try {
      return await this.record(command, target.uploaderRole, {
        ...request,
        type: 'StoreRecording',
        recordingId,
        sha256: stored.sha256,
        bytes: stored.bytes,
        objectKey,
        declaredSha256: command.declaredSha256,
        now: this.clock(),
      });
    } catch (error) {
      await this.remove(stored);
      throw error;
    }
  }

  private async bindingOf(callId: string): Promise<CallBinding | null> {
    // The inbox may have just stored the call's latest switch: read after it.
    await this.freshness.caughtUp(CALL_BINDINGS_PROJECTION);
    return this.bindings.get(callId);
  }

  private async put(key: string, body: Readable, contentType: string): Promise<StoredObject> {
    try {
      return await this.objects.put(key, body, { contentType, maxBytes: this.config.get('MAX_UPLOAD_BYTES') });
    } catch (error) {
      if (error instanceof ObjectTooLarge) throw new UploadTooLarge(error.maxBytes, error);
      throw error;
    }
  }

  private async record(command: StoreRecordingCommand, role: 'patient' | 'clinician', cmd: StoreRecording): Promise<StoredRecordingView> {
    try {
      const { state } = await handleCommand(this.store, {
        streamId: `recording-${cmd.recordingId}`,
        evolve: recordingDecider.evolve,
        initialState: recordingDecider.initialState,
        // Against the call as it is once the bytes are in: it may have ended or switched meanwhile.
        decide: async (state) => recordingDecider.decide(cmd, state, await this.bindingOf(cmd.callId)),
        metadata: this.metadata.forUser(command.uploader, command.uploader.roles.includes(role) ? role : undefined),
        occurredAt: cmd.now,
      });
      // The decider stores or refuses; should it ever store nothing, the bytes must not stay either.
      if (state.status !== 'stored') throw new RecordingNotRecorded();
      const { recordingId, consultationId, callId, segmentId, segmentSeq, mode, bytes, sha256 } = state.recording;
      return { recordingId, consultationId, callId, segmentId, segmentSeq, mode, bytes, sha256 };
    } catch (error) {
      if (error instanceof EventStoreUnavailable) throw new RecordingNotRecorded(error);
      throw error;
    }
  }

  private async remove(stored: StoredObject): Promise<void> {
    try {
      await this.objects.delete(stored.key);
    } catch (error) {
      // Ids only: an orphaned object is found by its key and has no event pointing at it.
      this.logger.error(`could not remove unrecorded object ${stored.key}: ${error instanceof Error ? error.name : 'error'}`);
    }
  }
}
