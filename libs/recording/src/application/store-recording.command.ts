import { Command } from '@nestjs/cqrs';
import { type AuthenticatedUser } from '@vgp/auth';
import { type MediaMode } from '@vgp/contracts';
import type { Readable } from 'node:stream';

export type StoredRecordingView = {
  recordingId: string;
  consultationId: string;
  callId: string;
  segmentId: string;
  segmentSeq: number;
  mode: MediaMode;
  bytes: number;
  sha256: string;
};

/**
 * An upload as it arrives: the call from the path, the uploader from the token, the media type
 * from Content-Type, the bytes as a stream. Where it belongs is for the server to work out.
 */
export class StoreRecordingCommand extends Command<StoredRecordingView> {
  constructor(
    readonly callId: string,
    readonly uploader: AuthenticatedUser,
    readonly contentType: string | undefined,
    readonly requestedSegmentId: string | undefined,
    readonly declaredSha256: string | undefined,
    /** Read only once the call and the uploader have been checked. */
    readonly body: () => Readable,
  ) {
    super();
  }
}
