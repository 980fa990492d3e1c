import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { callDecider, callStreamOf } from '../domain/call.decider.js';
import { type CallDecision } from './call-action.command.js';
import { CALL_QUERIES, CALLS_READ_MODEL, type CallQueries } from './call.queries.js';
import { CloseCallCommand } from './close-call.command.js';

@CommandHandler(CloseCallCommand)
export class CloseCallHandler implements ICommandHandler<CloseCallCommand, CallDecision | null> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CALL_QUERIES) private readonly calls: CallQueries,
  ) {}

  async execute({ consultationId, reason, now, metadata }: CloseCallCommand): Promise<CallDecision | null> {
    // A call started just before the cancellation must be seen too.
    await this.freshness.caughtUp(CALLS_READ_MODEL);
    const call = await this.calls.activeCallOf(consultationId);
    if (!call) return null;
    const decision = await handleCommand(this.store, {
      streamId: callStreamOf(call.callId),
      evolve: callDecider.evolve,
      initialState: callDecider.initialState,
      decide: (state) => callDecider.decide({ type: 'CloseCall', reason, now }, state, { consultation: null, joinGraceMinutes: 0 }),
      metadata,
      occurredAt: now,
    });
    if (decision.events.length > 0) await this.freshness.caughtUp(CALLS_READ_MODEL);
    return decision;
  }
}
