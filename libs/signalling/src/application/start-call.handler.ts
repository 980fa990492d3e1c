import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { KeyedMutex, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { randomUUID } from 'node:crypto';
import { callDecider, callStreamOf, type OpenCall } from '../domain/call.decider.js';
import { CallAlreadyActive, CallAlreadyExists } from '../domain/call.errors.js';
import { CALL_QUERIES, CALLS_READ_MODEL, type CallQueries } from './call.queries.js';
import { CallFactsProvider } from './call-facts.js';
import { StartCallCommand, type StartCallResult } from './start-call.command.js';

@CommandHandler(StartCallCommand)
export class StartCallHandler implements ICommandHandler<StartCallCommand, StartCallResult> {
  // At most one active call per consultation: starts for one consultation are serialised in this
  // process, and each sees the previous one's call in the read model before it decides.
  private readonly starting = new KeyedMutex();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    @Inject(CALL_QUERIES) private readonly calls: CallQueries,
    private readonly facts: CallFactsProvider,
  ) {}

  execute(command: StartCallCommand): Promise<StartCallResult> {
    return this.starting.run(command.consultationId, async () => {
      try {
        return { created: true, call: await this.start(command) };
      } catch (error) {
        // Every other rule held: the caller is a participant and may join the running call.
        if (!(error instanceof CallAlreadyActive)) throw error;
        const running = await this.calls.get(error.callId);
        if (!running) throw error;
        return { created: false, call: running };
      }
    });
  }

  private async start({ consultationId, caller, now, metadata }: StartCallCommand): Promise<OpenCall> {
    const callId = randomUUID();
    const { state } = await handleCommand(this.store, {
      streamId: callStreamOf(callId),
      evolve: callDecider.evolve,
      initialState: callDecider.initialState,
      decide: async (current) =>
        callDecider.decide(
          { type: 'StartCall', callId, segmentId: randomUUID(), consultationId, caller, now },
          current,
          await this.facts.forConsultation(consultationId),
        ),
      metadata,
      occurredAt: now,
    });
    // StartCall on a fresh id either refuses or starts the call, so this only narrows the type.
    if (state.status === 'none') throw new CallAlreadyExists();
    await this.freshness.caughtUp(CALLS_READ_MODEL);
    return state;
  }
}
