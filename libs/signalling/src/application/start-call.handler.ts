import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { domainEventOf, EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { randomUUID } from 'node:crypto';
import { type CallCommand, callDecider, type CallState, callStreamOf, isCallEvent, type OpenCall } from '../domain/call.decider.js';
import { CallAlreadyActive, CallAlreadyExists } from '../domain/call.errors.js';
import { CALLS_READ_MODEL } from './call.queries.js';
import { callIdOf } from './call-ids.js';
import { CallFactsProvider } from './call-facts.js';
import { StartCallCommand, type StartCallResult } from './start-call.command.js';

/** Starts lost to another replica's start of the same call before this one gives up (409 concurrent). */
const START_ATTEMPTS = 3;

/**
 * At most one active call per consultation, whatever the replica count: a consultation's calls are its 1st, 2nd, …
 * call streams (`callIdOf`), read from the store. The first that has not ended is the running one; a start appends
 * to the first that does not exist yet, so two starts at once, on any replicas, meet on one stream and the store's
 * expected revision lets one through. The other answers with the call that won.
 */
@CommandHandler(StartCallCommand)
export class StartCallHandler implements ICommandHandler<StartCallCommand, StartCallResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly facts: CallFactsProvider,
  ) {}

  async execute(command: StartCallCommand): Promise<StartCallResult> {
    for (let attempt = 1; ; attempt++) {
      const { callId, running } = await this.nextCall(command.consultationId);
      try {
        return { created: true, call: await this.start(command, callId, running) };
      } catch (error) {
        // Every other rule held: the caller is a participant and may join the running call.
        if (error instanceof CallAlreadyActive && running) return { created: false, call: running };
        // Another start took this call first: look again, and find it running.
        if (error instanceof CallAlreadyExists && attempt < START_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** The consultation's running call, or the id its next call takes. Costs one short stream per call it had. */
  private async nextCall(consultationId: string): Promise<{ callId: string; running: OpenCall | null }> {
    for (let seq = 1; ; seq++) {
      const callId = callIdOf(consultationId, seq);
      const history = await this.store.readStream(callStreamOf(callId));
      const state = history.reduce<CallState>((folded, stored) => {
        const event = domainEventOf(stored);
        return isCallEvent(event) ? callDecider.evolve(folded, event) : folded;
      }, callDecider.initialState());
      if (state.status === 'none') return { callId, running: null };
      if (state.status === 'active') return { callId, running: state };
    }
  }

  private async start(
    { consultationId, caller, now, metadata }: StartCallCommand,
    callId: string,
    running: OpenCall | null,
  ): Promise<OpenCall> {
    const decide = async (current: CallState) => {
      const facts = await this.facts.forConsultation(consultationId);
      const command: CallCommand = { type: 'StartCall', callId, segmentId: randomUUID(), consultationId, caller, now };
      return callDecider.decide(command, current, { ...facts, activeCallId: running?.callId ?? null });
    };
    // A call is running: the decider still checks the caller's rules, then refuses with the call to join.
    if (running) await decide(callDecider.initialState());
    const { state } = await handleCommand(this.store, {
      streamId: callStreamOf(callId),
      evolve: callDecider.evolve,
      initialState: callDecider.initialState,
      decide,
      metadata,
      occurredAt: now,
    });
    // StartCall on a new stream either refuses or starts the call, so this only narrows the type.
    if (state.status === 'none') throw new CallAlreadyExists();
    await this.freshness.caughtUp(CALLS_READ_MODEL);
    return state;
  }
}
