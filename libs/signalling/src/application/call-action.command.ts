import { Command } from '@nestjs/cqrs';
import { type EventMetadata, type MediaMode } from '@vgp/contracts';
import type { CommandResult } from '@vgp/event-store';
import { type CallEvent, type Caller, type CallState } from '../domain/call.decider.js';

/** What a participant does in a running call; `now` and the caller come from the server. */
export type CallAction = { type: 'JoinCall' } | { type: 'LeaveCall' } | { type: 'SwitchMedia'; mode: MediaMode } | { type: 'EndCall' };

/** The events a call command appended (none for a repeat) and the call after them. */
export type CallDecision = CommandResult<CallEvent, CallState>;

export class CallActionCommand extends Command<CallDecision> {
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
