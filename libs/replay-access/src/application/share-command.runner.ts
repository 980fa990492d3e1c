import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import { WrongExpectedRevision } from '@vgp/event-store';
import { ShareRefused } from '../domain/replay-access.errors';
import { replayDenied, ShareEvent } from '../domain/replay-access.events';
import { decideShare, evolveShare, initialShareState, ShareCommand } from '../domain/share.decider';
import { ReplayAccessProjection } from '../infrastructure/replay-access.projection';
import { ReplayConflict, ReplayResourceNotFound } from './replay-access.failures';
import { accessStreamOf, actingRole, ReplayEventWriter, shareStreamOf } from './replay-event.writer';

/**
 * Load the share stream, fold, decide, append at the expected revision (retried once on a concurrent
 * change). A refusal is audited on the caller's access stream, then answered as not found.
 */
@Injectable()
export class ShareCommandRunner {
  constructor(
    private readonly projection: ReplayAccessProjection,
    private readonly writer: ReplayEventWriter,
  ) {}

  async run(user: AuthenticatedUser, command: ShareCommand): Promise<ShareEvent[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const events = await this.attempt(user, command);
        await this.projection.caughtUp();
        return events;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        if (attempt >= 2) throw new ReplayConflict();
      }
    }
  }

  private async attempt(user: AuthenticatedUser, command: ShareCommand): Promise<ShareEvent[]> {
    const streamId = shareStreamOf(command.shareId);
    const history = await this.writer.read(streamId);
    const state = history.map((e) => ({ type: e.type, data: e.data }) as ShareEvent).reduce(evolveShare, initialShareState());
    const recording = await this.projection.readModel.recording(command.recordingId);
    let events: ShareEvent[];
    try {
      events = decideShare(command, state, { recording });
    } catch (error) {
      if (!(error instanceof ShareRefused)) throw error;
      const denial = replayDenied({
        viewerId: user.id,
        recordingId: command.recordingId,
        patientId: error.patientId,
        reason: error.reason,
        operation: command.type === 'GrantShare' ? 'share' : 'revoke_share',
      });
      await this.writer.append(accessStreamOf(user.id), [denial], this.writer.forUser(user, actingRole(user)), command.at);
      throw new ReplayResourceNotFound(command.type === 'GrantShare' ? 'recording' : 'share');
    }
    const expected = history.length === 0 ? 'no_stream' : history[history.length - 1].revision;
    await this.writer.append(streamId, events, this.writer.forUser(user, actingRole(user)), command.at, expected);
    return events;
  }
}
