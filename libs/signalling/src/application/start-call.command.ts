import { Command } from '@nestjs/cqrs';
import { type EventMetadata } from '@vgp/contracts';
import { type Caller, type OpenCall } from '../domain/call.decider.js';

export type StartCallResult = { created: boolean; call: OpenCall };

/** Starts the consultation's call, or answers the one already running. */
export class StartCallCommand extends Command<StartCallResult> {
  constructor(
    readonly consultationId: string,
    readonly caller: Caller,
    readonly now: Date,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
