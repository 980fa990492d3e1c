import { Command } from '@nestjs/cqrs';
import { EventMetadata } from '@vgp/contracts';
import { Decision } from './call-streams';

/** The platform ends a call nobody hung up (its consultation was cancelled). */
export class CloseCallCommand extends Command<Decision> {
  constructor(
    readonly callId: string,
    readonly reason: 'consultation_cancelled' | 'timeout',
    readonly now: Date,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
