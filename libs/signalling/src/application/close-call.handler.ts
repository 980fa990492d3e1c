import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide } from '../domain/call.decider';
import { CallStreams, Decision } from './call-streams';
import { CloseCallCommand } from './close-call.command';

@CommandHandler(CloseCallCommand)
export class CloseCallHandler implements ICommandHandler<CloseCallCommand, Decision> {
  constructor(private readonly streams: CallStreams) {}

  execute({ callId, reason, now, metadata }: CloseCallCommand): Promise<Decision> {
    return this.streams.decideAndAppend(
      callId,
      (state) => decide({ type: 'CloseCall', reason, now }, state, { consultation: null, joinGraceMinutes: 0 }),
      metadata,
      now,
    );
  }
}
