import { Command } from '@nestjs/cqrs';
import { EventMetadata, MediaMode } from '@vgp/contracts';
import { Caller } from '../domain/call.decider';
import { Decision } from './call-streams';

/** What a participant does in a running call; `now` and the caller come from the server. */
export type CallAction =
  | { type: 'JoinCall' }
  | { type: 'LeaveCall' }
  | { type: 'SwitchMedia'; mode: MediaMode }
  | { type: 'EndCall' };

export class CallActionCommand extends Command<Decision> {
  constructor(
    readonly callId: string,
    readonly action: CallAction,
    readonly caller: Caller,
    readonly now: Date,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
