import { EventMetadata } from '@vgp/contracts';
import { HandleCommand } from '@vgp/event-store';
import { ShareEvent } from '../domain/replay-access.events';
import { ShareCommand, shareDecider, ShareState } from '../domain/share.decider';
import { ReplayAccessQueries } from './replay-access.queries';

export const shareStreamOf = (shareId: string): string => `share-${shareId}`;

/** A share command on its own stream, for `handleCommand`: every attempt decides against the recording as the read models hold it then. */
export const shareCommandOn = (
  command: ShareCommand,
  queries: ReplayAccessQueries,
  metadata: EventMetadata,
): HandleCommand<ShareEvent, ShareState> => ({
  streamId: shareStreamOf(command.shareId),
  evolve: shareDecider.evolve,
  initialState: shareDecider.initialState,
  decide: async (state) => shareDecider.decide(command, state, { recording: await queries.recording(command.recordingId) }),
  metadata,
  occurredAt: command.at,
});
