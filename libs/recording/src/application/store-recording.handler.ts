import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore, WrongExpectedRevision } from '@vgp/event-store';
import { OBJECT_STORE, ObjectStore, StoredObject } from '@vgp/object-store';
import { AppConfig, EventMetadataFactory } from '@vgp/platform';
import { randomUUID } from 'node:crypto';
import { CallBinding } from '../domain/call-binding';
import { decide, evolve, initialRecordingState, planUpload, RecordingEvent, StoreRecording, UploadRequest } from '../domain/recording.decider';
import { CallBindingsProjection } from '../infrastructure/call-bindings.projection';
import { StoreRecordingCommand, StoredRecordingView } from './store-recording.command';

/** Object keys take [A-Za-z0-9._-] per segment; ids are uuids, but a clinic id is whatever the IdP says. */
const keySegment = (id: string): string => {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.+$/.test(safe) ? `_${safe}` : safe;
};

export const objectKeyOf = (binding: CallBinding, recordingId: string): string =>
  ['recordings', binding.clinicId, binding.consultationId, binding.callId, recordingId].map(keySegment).join('/');

/** The append failed after the bytes were stored; the bytes were removed again. */
export class RecordingNotRecorded extends Error {
  constructor(override readonly cause: unknown) {
    super('the recording could not be recorded');
    this.name = 'RecordingNotRecorded';
  }
}

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
    private readonly bindings: CallBindingsProjection,
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
    const stored = await this.objects.put(objectKey, command.body(), {
      contentType: target.contentType,
      maxBytes: this.config.get('MAX_UPLOAD_BYTES'),
    });
    try {
      const event = await this.append(recordingId, {
        ...request,
        type: 'StoreRecording',
        recordingId,
        sha256: stored.sha256,
        bytes: stored.bytes,
        objectKey,
        declaredSha256: command.declaredSha256,
        now: new Date(),
      }, command, target.uploaderRole);
      const { consultationId, callId, segmentId, segmentSeq, mode, bytes, sha256 } = event.data;
      return { recordingId, consultationId, callId, segmentId, segmentSeq, mode, bytes, sha256 };
    } catch (error) {
      await this.remove(stored);
      throw error;
    }
  }

  private async bindingOf(callId: string): Promise<CallBinding | null> {
    // The inbox may have just stored the call's latest switch: read after it.
    await this.bindings.caughtUp();
    return this.bindings.get(callId);
  }

  /** Decided against the call as it is once the bytes are in (it may have ended meanwhile). */
  private async append(recordingId: string, cmd: StoreRecording, command: StoreRecordingCommand, role: 'patient' | 'clinician'): Promise<RecordingEvent> {
    const streamId = `recording-${recordingId}`;
    const metadata = this.metadata.forUser(command.uploader, command.uploader.roles.includes(role) ? role : undefined);
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(streamId);
      const state = history.map((e) => ({ type: e.type, data: e.data }) as RecordingEvent).reduce(evolve, initialRecordingState());
      const events = decide(cmd, state, await this.bindingOf(cmd.callId));
      try {
        await this.store.append(
          streamId,
          events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, occurredAt: cmd.now.toISOString(), metadata })),
          history.length === 0 ? 'no_stream' : history[history.length - 1].revision,
        );
        return events[0];
      } catch (error) {
        if (error instanceof WrongExpectedRevision && attempt === 1) continue;
        throw new RecordingNotRecorded(error);
      }
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
