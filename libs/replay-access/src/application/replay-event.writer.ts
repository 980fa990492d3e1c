import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import { DomainEvent, EventMetadata, Role } from '@vgp/contracts';
import { EVENT_STORE, EventStore, EventStoreUnavailable, ExpectedRevision, StoredEvent } from '@vgp/event-store';
import { EventMetadataFactory } from '@vgp/platform';
import { Viewer } from '../domain/access-policy';
import { ReplayAuditUnavailable } from './replay-access.failures';

/** The role a caller acts under for the audit: the one that concerns a recording, else patient, clinician, anything. */
export const actingRole = (user: AuthenticatedUser, asClinicianOf?: string): Role => {
  if (asClinicianOf === user.id && user.roles.includes('clinician')) return 'clinician';
  return user.roles.find((r) => r === 'patient') ?? user.roles.find((r) => r === 'clinician') ?? user.roles[0];
};

/**
 * Appends decided events with the request's metadata. An append that does not durably happen is a
 * ReplayAuditUnavailable: the caller must then deny, never answer as if it had (invariant 3).
 */
@Injectable()
export class ReplayEventWriter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metadata: EventMetadataFactory,
  ) {}

  forUser(user: AuthenticatedUser, role: Role): EventMetadata {
    return this.metadata.forUser(user, role);
  }

  system(): EventMetadata {
    return this.metadata.system();
  }

  async append(streamId: string, events: DomainEvent[], metadata: EventMetadata, at: Date, expected: ExpectedRevision = 'any'): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.store.append(
        streamId,
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, occurredAt: at.toISOString(), metadata })),
        expected,
      );
    } catch (error) {
      if (error instanceof EventStoreUnavailable) throw new ReplayAuditUnavailable(error);
      throw error;
    }
  }

  async read(streamId: string): Promise<StoredEvent[]> {
    try {
      return await this.store.readStream(streamId);
    } catch (error) {
      if (error instanceof EventStoreUnavailable) throw new ReplayAuditUnavailable(error);
      throw error;
    }
  }
}

export const accessStreamOf = (viewerId: string): string => `access-${viewerId}`;
export const shareStreamOf = (shareId: string): string => `share-${shareId}`;

/** The caller as the access policy sees them. */
export const viewerOf = (user: AuthenticatedUser): Viewer => ({ id: user.id, roles: user.roles, clinicId: user.clinicId });
