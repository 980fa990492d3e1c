import { Command } from '@nestjs/cqrs';
import { type EventMetadata } from '@vgp/contracts';
import { type CallDecision } from './call-action.command.js';

/** The platform ends the consultation's running call nobody hung up (the consultation was cancelled); null when none runs. */
export class CloseCallCommand extends Command<CallDecision | null> {
  constructor(
    readonly consultationId: string,
    readonly reason: 'consultation_cancelled' | 'timeout',
    readonly now: Date,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
