import { type EventMetadata } from '@vgp/contracts';
import { type HandleCommand } from '@vgp/event-store';
import { type ShareEvent } from '../domain/replay-access.events.js';
import { type ShareCommand, shareDecider, type ShareState } from '../domain/share.decider.js';
import { type ReplayAccessQueries } from './replay-access.queries.js';

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
