import { Query } from '@nestjs/cqrs';
import { type MediaMode } from '@vgp/contracts';
import { type Caller, type ParticipantRole, type Segment } from '../domain/call.decider.js';

export type CallView = {
  callId: string;
  consultationId: string;
  status: 'active' | 'ended';
  mode: MediaMode;
  currentSegmentId: string;
  segments: Segment[];
  participants: { userId: string; role: ParticipantRole; online: boolean }[];
};

/** A call as its participants see it; null for anyone else, exactly as for an unknown id. */
export class GetCallQuery extends Query<CallView | null> {
  constructor(
    readonly callId: string,
    readonly caller: Caller,
  ) {
    super();
  }
}
