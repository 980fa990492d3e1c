import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import { type EventMetadata, type Role } from '@vgp/contracts';
import { DomainError } from '@vgp/domain';
import { EVENT_STORE, type EventStore, EventStoreUnavailable, toNewEvents } from '@vgp/event-store';
import { EventMetadataFactory } from '@vgp/platform';
import { type Viewer } from '../domain/access-policy.js';
import { ShareRefused } from '../domain/replay-access.errors.js';
import { type AccessEvent, replayDenied } from '../domain/replay-access.events.js';
import { type ShareCommand } from '../domain/share.decider.js';

/** The audit event could not be appended, so the request is denied and nothing is sent (write-ahead audit). */
export class ReplayAuditUnavailable extends DomainError {
  readonly code = 'store-unavailable';
  readonly kind = 'unavailable';
  constructor(cause?: unknown) {
    super('The access could not be recorded, so nothing was sent. Retry shortly.', { title: 'Service Unavailable', cause });
  }
}

/** A store failure as replay-access tells it (nothing was recorded, so nothing was sent); any other error as it is. */
export const auditFailureOf = (error: unknown): unknown =>
  error instanceof EventStoreUnavailable ? new ReplayAuditUnavailable(error) : error;

export const accessStreamOf = (viewerId: string): string => `access-${viewerId}`;

/** The caller as the access policy sees them. */
export const viewerOf = (user: AuthenticatedUser): Viewer => ({ id: user.id, roles: user.roles, clinicId: user.clinicId });

/** The role a caller acts under for the audit: the one that concerns a recording, else patient, clinician, anything. */
export const actingRole = (user: AuthenticatedUser, asClinicianOf?: string): Role => {
  if (asClinicianOf === user.id && user.roles.includes('clinician')) return 'clinician';
  return user.roles.find((r) => r === 'patient') ?? user.roles.find((r) => r === 'clinician') ?? user.roles[0];
};

/**
 * The write-ahead record of access decisions on `access-<viewerId>` streams. They are facts, never
 * rejected, so they are appended without an expected revision (reading a viewer's, or the anonymous,
 * ever-growing stream on every request would buy nothing). An append that does not durably happen is a
 * ReplayAuditUnavailable: the caller must then deny, never answer as if it had (invariant 3).
 */
@Injectable()
export class AccessAudit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metadata: EventMetadataFactory,
  ) {}

  async record(streamId: string, events: readonly AccessEvent[], metadata: EventMetadata, at: Date): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.store.append(streamId, toNewEvents(events, metadata, at), 'any');
    } catch (error) {
      throw auditFailureOf(error);
    }
  }

  /** Rethrows a share command's failure; a refusal is first recorded on the caller's access stream (it answers as not found). */
  async shareFailed(user: AuthenticatedUser, command: ShareCommand, error: unknown): Promise<never> {
    if (error instanceof ShareRefused) {
      const denial = replayDenied({
        viewerId: user.id,
        recordingId: command.recordingId,
        patientId: error.patientId,
        reason: error.reason,
        operation: command.type === 'GrantShare' ? 'share' : 'revoke_share',
      });
      await this.record(accessStreamOf(user.id), [denial], this.metadata.forUser(user, actingRole(user)), command.at);
    }
    throw auditFailureOf(error);
  }
}
