import { KeyedMutex } from '@vgp/platform';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { decide, OpenCall } from '../domain/call.decider';
import { CallAlreadyActive } from '../domain/call.errors';
import { CallsProjection } from '../infrastructure/calls.projection';
import { CallFactsProvider } from './call-facts';
import { CallStreams } from './call-streams';
import { StartCallCommand, StartCallResult } from './start-call.command';

@CommandHandler(StartCallCommand)
export class StartCallHandler implements ICommandHandler<StartCallCommand, StartCallResult> {
  // At most one active call per consultation: starts for one consultation are serialised in this
  // process, and each sees the previous one's call in the read model before it decides.
  private readonly starting = new KeyedMutex();

  constructor(
    private readonly streams: CallStreams,
    private readonly facts: CallFactsProvider,
    private readonly calls: CallsProjection,
  ) {}

  execute(command: StartCallCommand): Promise<StartCallResult> {
    return this.starting.run(command.consultationId, async () => {
      const facts = await this.facts.forConsultation(command.consultationId);
      const callId = randomUUID();
      try {
        const { state } = await this.streams.decideAndAppend(
          callId,
          (current) =>
            decide({ type: 'StartCall', callId, segmentId: randomUUID(), consultationId: command.consultationId, caller: command.caller, now: command.now }, current, facts),
          command.metadata,
          command.now,
        );
        return { created: true, call: state as OpenCall };
      } catch (error) {
        // Every other rule held: the caller is a participant and may join the running call.
        if (error instanceof CallAlreadyActive) {
          const call = await this.calls.get(error.callId);
          if (call) return { created: false, call };
        }
        throw error;
      }
    });
  }
}
