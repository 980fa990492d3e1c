import type { Decider } from '@vgp/domain';
import { type ConsentShare, isRecordingPatient, type RecordingFacts, type SharePurpose, type Viewer } from './access-policy.js';
import { CannotShareWithOneself, InvalidShareWindow, ShareAlreadyExists, ShareRefused } from './replay-access.errors.js';
import { type ShareEvent } from './replay-access.events.js';

export type ShareCommand =
  | {
      type: 'GrantShare';
      shareId: string;
      viewer: Viewer;
      recordingId: string;
      granteeId: string;
      purpose: SharePurpose;
      until: Date;
      at: Date;
    }
  | { type: 'RevokeShare'; shareId: string; viewer: Viewer; recordingId: string; at: Date };

/** The recording named in the path, with its booking facts, when it exists. */
export type ShareFacts = { recording: RecordingFacts | null };

export type ShareState = { status: 'none' } | { status: 'active' | 'revoked'; share: ConsentShare };

const oneYearAfter = (at: Date): Date => {
  const limit = new Date(at.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + 1);
  return limit;
};

/**
 * Only the recording's own patient gives or takes back consent. Ownership is checked before anything
 * else, so a caller who is not the owner learns nothing from the kind of error they get.
 */
export const shareDecider: Decider<ShareCommand, ShareEvent, ShareState, ShareFacts> = {
  decide(command, state, { recording }) {
    switch (command.type) {
      case 'GrantShare': {
        if (state.status !== 'none') throw new ShareAlreadyExists(command.shareId);
        if (!recording || recording.recordingId !== command.recordingId) throw new ShareRefused('recording', 'not_found', null);
        if (!isRecordingPatient(command.viewer, recording)) throw new ShareRefused('recording', 'not_a_participant', recording.patientId);
        if (command.granteeId === recording.patientId) throw new CannotShareWithOneself();
        if (command.until.getTime() <= command.at.getTime() || command.until.getTime() > oneYearAfter(command.at).getTime()) {
          throw new InvalidShareWindow();
        }
        return [
          {
            type: 'ShareGranted',
            data: {
              shareId: command.shareId,
              recordingId: recording.recordingId,
              patientId: recording.patientId,
              granteeId: command.granteeId,
              purpose: command.purpose,
              until: command.until.toISOString(),
            },
          },
        ];
      }
      case 'RevokeShare': {
        if (state.status === 'none' || state.share.recordingId !== command.recordingId || !recording) {
          throw new ShareRefused('share', 'not_found', recording?.patientId ?? null);
        }
        if (!isRecordingPatient(command.viewer, recording) || state.share.patientId !== command.viewer.id) {
          throw new ShareRefused('share', 'not_a_participant', recording.patientId);
        }
        // Revoking twice changes nothing; the first revocation is the fact.
        if (state.status === 'revoked') return [];
        const { shareId, recordingId, patientId, granteeId } = state.share;
        return [{ type: 'ShareRevoked', data: { shareId, recordingId, patientId, granteeId } }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ShareGranted':
        return { status: 'active', share: { ...event.data, revoked: false } };
      case 'ShareRevoked':
        return state.status === 'none' ? state : { status: 'revoked', share: { ...state.share, revoked: true } };
    }
  },

  initialState: () => ({ status: 'none' }),
};
