import { Readable } from 'node:stream';
import { Command } from '@nestjs/cqrs';

export type ReplayStream = {
  body: Readable;
  contentType: string;
  /** Inclusive byte positions sent, and the size of the whole recording. */
  start: number;
  end: number;
  totalBytes: number;
  partial: boolean;
};

/** The bytes behind a grant token; the range sent is audited before the first byte leaves. */
export class StreamReplayCommand extends Command<ReplayStream> {
  constructor(
    readonly token: string,
    readonly range: string | undefined,
    /** The client's address as the HTTP edge sees it (the socket's, unless the platform trusts a proxy). */
    readonly clientAddress = 'unknown',
  ) {
    super();
  }
}
