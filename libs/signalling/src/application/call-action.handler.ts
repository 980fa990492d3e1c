import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { CallCommand, CallFacts, CallState, decide } from '../domain/call.decider';
import { CallActionCommand } from './call-action.command';
import { CallFactsProvider } from './call-facts';
import { CallStreams, Decision } from './call-streams';

/** Join, leave, switch media, hang up: each decided against the stored call and the booking facts. */
@CommandHandler(CallActionCommand)
export class CallActionHandler implements ICommandHandler<CallActionCommand, Decision> {
  constructor(
    private readonly streams: CallStreams,
    private readonly facts: CallFactsProvider,
  ) {}

  execute({ callId, action, caller, now, metadata }: CallActionCommand): Promise<Decision> {
    const command: CallCommand =
      action.type === 'SwitchMedia'
        ? { type: 'SwitchMedia', caller, now, mode: action.mode, newSegmentId: randomUUID() }
        : { type: action.type, caller, now };
    return this.streams.decideAndAppend(callId, async (state) => decide(command, state, await this.factsFor(state)), metadata, now);
  }

  private factsFor(state: CallState): Promise<CallFacts> | CallFacts {
    // The call's own consultation, never one the caller names.
    return state.status === 'none' ? { consultation: null, joinGraceMinutes: 0 } : this.facts.forConsultation(state.consultationId);
  }
}
