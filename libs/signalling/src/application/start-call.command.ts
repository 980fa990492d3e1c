import { Command } from '@nestjs/cqrs';
import { EventMetadata } from '@vgp/contracts';
import { Caller, OpenCall } from '../domain/call.decider';

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
