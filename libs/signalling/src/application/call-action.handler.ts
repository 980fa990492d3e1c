import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { randomUUID } from 'node:crypto';
import { type CallCommand, callDecider, type CallFacts, type CallState, callStreamOf } from '../domain/call.decider.js';
import { CallActionCommand, type CallDecision } from './call-action.command.js';
import { CALLS_READ_MODEL } from './call.queries.js';
import { CallFactsProvider } from './call-facts.js';

/** Join, leave, switch media, hang up: each decided against the stored call and the booking facts. */
@CommandHandler(CallActionCommand)
export class CallActionHandler implements ICommandHandler<CallActionCommand, CallDecision> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly facts: CallFactsProvider,
  ) {}

  async execute({ callId, action, caller, now, metadata }: CallActionCommand): Promise<CallDecision> {
    const command: CallCommand =
      action.type === 'SwitchMedia'
        ? { type: 'SwitchMedia', caller, now, mode: action.mode, newSegmentId: randomUUID() }
        : { type: action.type, caller, now };
    const decision = await handleCommand(this.store, {
      streamId: callStreamOf(callId),
      evolve: callDecider.evolve,
      initialState: callDecider.initialState,
      decide: async (state) => callDecider.decide(command, state, await this.factsFor(state)),
      metadata,
      occurredAt: now,
    });
    // The gateway reads the call right after a join: answer once the read model has it.
    if (decision.events.length > 0) await this.freshness.caughtUp(CALLS_READ_MODEL);
    return decision;
  }

  private factsFor(state: CallState): Promise<CallFacts> | CallFacts {
    // The call's own consultation, never one the caller names.
    return state.status === 'none' ? { consultation: null, joinGraceMinutes: 0 } : this.facts.forConsultation(state.consultationId);
  }
}
