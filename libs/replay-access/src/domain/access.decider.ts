import { type Role } from '@vgp/contracts';
import type { Decider } from '@vgp/domain';
import { type ConsentShare, decideAccess, type RecordingFacts, replayableFor, type Viewer } from './access-policy.js';
import { resolveRange } from './byte-range.js';
import { type AccessEvent, ANONYMOUS_VIEWER, NO_SINGLE_RECORDING, type ReplayGranted, replayDenied } from './replay-access.events.js';

export type AccessCommand =
  | { type: 'ListReplays'; listId: string; viewer: Viewer; at: Date; killSwitch: boolean }
  | {
      type: 'RequestGrant';
      grantId: string;
      viewer: Viewer;
      recordingId: string;
      /** Only the hash of the token is ever stored; the token itself leaves once, in the answer. */
      tokenSha256: string;
      at: Date;
      expiresAt: Date;
      killSwitch: boolean;
    }
  | { type: 'StreamReplay'; tokenSha256: string; range: string | undefined; at: Date; killSwitch: boolean };

/**
 * What the server looked up for the command: recordings with their booking facts (for a list the
 * candidates, for a grant or a stream the one concerned when it exists) and the consent shares of
 * those recordings, revoked and expired ones included.
 */
export type AccessFacts = { recordings: readonly RecordingFacts[]; shares: readonly ConsentShare[] };

/** A replay grant as issued: bound to one viewer and one recording, short-lived. */
export type IssuedGrant = {
  grantId: string;
  tokenSha256: string;
  viewerId: string;
  viewerRoles: readonly Role[];
  clinicId: string | null;
  recordingId: string;
  expiresAt: string;
};

/** Grants issued, by token hash. */
export type AccessState = { grants: ReadonlyMap<string, IssuedGrant> };

export const issuedGrantOf = ({ data }: ReplayGranted): IssuedGrant => ({
  grantId: data.grantId,
  tokenSha256: data.tokenSha256,
  viewerId: data.viewerId,
  viewerRoles: data.viewerRoles ?? [],
  clinicId: data.clinicId ?? null,
  recordingId: data.recordingId,
  expiresAt: data.expiresAt,
});

const unique = (values: string[]): string[] => [...new Set(values)];

const findRecording = (facts: AccessFacts, recordingId: string): RecordingFacts | null =>
  facts.recordings.find((r) => r.recordingId === recordingId) ?? null;

/** The decider's state holding just this grant (the only one a stream command needs, looked up by token hash). */
export const stateOf = (grant: IssuedGrant | null): AccessState => ({ grants: new Map(grant ? [[grant.tokenSha256, grant]] : []) });

/**
 * Every outcome is an event, denials included: the caller's answer is derived from the event that was
 * appended before it, never from anything else (write-ahead audit).
 */
const decide = (command: AccessCommand, state: AccessState, facts: AccessFacts): AccessEvent[] => {
  switch (command.type) {
    case 'ListReplays': {
      const { viewer } = command;
      if (command.killSwitch) {
        return [
          replayDenied({
            viewerId: viewer.id,
            recordingId: NO_SINGLE_RECORDING,
            patientId: null,
            reason: 'kill_switch',
            operation: 'list',
          }),
        ];
      }
      const listed = replayableFor(viewer, facts.recordings, facts.shares, command.at).map((r) => r.recording);
      return [
        {
          type: 'ReplayListed',
          data: {
            listId: command.listId,
            viewerId: viewer.id,
            recordingIds: listed.map((r) => r.recordingId),
            patientIds: unique(listed.map((r) => r.patientId)),
            consultationIds: unique(listed.map((r) => r.consultationId)),
          },
        },
      ];
    }
    case 'RequestGrant': {
      const { viewer, recordingId } = command;
      const recording = findRecording(facts, recordingId);
      const deny = (reason: 'kill_switch' | 'not_found' | 'not_a_participant' | 'share_revoked' | 'share_expired') => [
        replayDenied({ viewerId: viewer.id, recordingId, patientId: recording?.patientId ?? null, reason, operation: 'grant' }),
      ];
      if (command.killSwitch) return deny('kill_switch');
      if (!recording) return deny('not_found');
      const decision = decideAccess(viewer, recording, facts.shares, command.at);
      if (!decision.allowed) return deny(decision.reason);
      return [
        {
          type: 'ReplayGranted',
          data: {
            grantId: command.grantId,
            viewerId: viewer.id,
            recordingId,
            consultationId: recording.consultationId,
            patientId: recording.patientId,
            basis: decision.basis,
            shareId: decision.shareId,
            tokenSha256: command.tokenSha256,
            expiresAt: command.expiresAt.toISOString(),
            clinicId: viewer.clinicId,
            viewerRoles: [...viewer.roles],
          },
        },
      ];
    }
    case 'StreamReplay': {
      const grant = state.grants.get(command.tokenSha256);
      const recording = grant ? findRecording(facts, grant.recordingId) : null;
      const deny = (
        reason: 'kill_switch' | 'grant_unknown' | 'grant_expired' | 'not_found' | 'not_a_participant' | 'share_revoked' | 'share_expired',
      ) => [
        replayDenied({
          viewerId: grant?.viewerId ?? ANONYMOUS_VIEWER,
          recordingId: grant?.recordingId ?? NO_SINGLE_RECORDING,
          patientId: recording?.patientId ?? null,
          reason,
          operation: 'stream',
        }),
      ];
      if (command.killSwitch) return deny('kill_switch');
      if (!grant) return deny('grant_unknown');
      if (command.at.getTime() >= Date.parse(grant.expiresAt)) return deny('grant_expired');
      if (!recording) return deny('not_found');
      // The token is a capability, but the access behind it is checked again: a revoked share ends it at once.
      const viewer: Viewer = { id: grant.viewerId, roles: grant.viewerRoles, clinicId: grant.clinicId ?? '' };
      const decision = decideAccess(viewer, recording, facts.shares, command.at);
      if (!decision.allowed) return deny(decision.reason);
      const range = resolveRange(command.range, recording.bytes);
      return [
        {
          type: 'ReplayStreamed',
          data: {
            grantId: grant.grantId,
            viewerId: grant.viewerId,
            recordingId: recording.recordingId,
            consultationId: recording.consultationId,
            patientId: recording.patientId,
            rangeStart: range.start,
            rangeEnd: range.end,
            totalBytes: recording.bytes,
          },
        },
      ];
    }
  }
};

/**
 * Access decisions are facts about one viewer, never rejected, so they are decided against the grants and
 * recordings the read models hold rather than a fold of the viewer's whole access stream.
 */
export const accessDecider: Decider<AccessCommand, AccessEvent, AccessState, AccessFacts> = {
  decide,
  evolve(state, event) {
    if (event.type !== 'ReplayGranted') return state;
    const grants = new Map(state.grants);
    grants.set(event.data.tokenSha256, issuedGrantOf(event));
    return { grants };
  },
  initialState: () => ({ grants: new Map() }),
};
