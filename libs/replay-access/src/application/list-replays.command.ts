import { Command } from '@nestjs/cqrs';
import type { AuthenticatedUser } from '@vgp/auth';
import { type MediaMode } from '@vgp/contracts';
import { type AccessBasis } from '../domain/access-policy.js';

export type ReplayListItem = {
  recordingId: string;
  consultationId: string;
  callId: string;
  segmentSeq: number;
  mode: MediaMode;
  contentType: string;
  bytes: number;
  recordedAt: string;
  basis: AccessBasis;
};

/** The caller's replayable recordings; the list is audited before it is answered. */
export class ListReplaysCommand extends Command<{ items: ReplayListItem[] }> {
  constructor(readonly user: AuthenticatedUser) {
    super();
  }
}
