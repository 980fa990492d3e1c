import { Injectable } from '@nestjs/common';
import { EventStore, Subscription } from '@vgp/event-store';
import { Ownership } from '../domain/access-log';
import { AuditChainState, AuditEntry, AuditIndex, evolve, indexOf, initialState } from '../domain/audit-chain';

/**
 * The audit log in memory, in chain order, folded from `auditlog-main`. Bindings learnt later
 * (a booking that arrived after a replay event on another topic) still file earlier entries under
 * the right clinic and patient: search fields are resolved again with everything known now.
 */
@Injectable()
export class AuditLogProjection {
  private readonly entries: AuditEntry[] = [];
  private state: AuditChainState = initialState();
  private subscription: Subscription | null = null;

  start(store: EventStore): void {
    if (this.subscription) return;
    this.subscription = store.subscribe({ fromPosition: 0, categories: ['auditlog'] }, async (event) => {
      if (event.type !== 'AuditEntryRecorded') return;
      const entry = event.data as AuditEntry;
      this.entries.push(entry);
      this.state = evolve(this.state, { type: 'AuditEntryRecorded', data: entry });
    });
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the audit log projection is not running');
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  /** Every entry in chain order (seq ascending). */
  all(): readonly AuditEntry[] {
    return this.entries;
  }

  /** The entry's search fields as recorded, plus whatever the bindings known now add. */
  resolvedIndex(entry: AuditEntry): AuditIndex {
    const now = indexOf(this.state, entry.source);
    const merge = (a: string[], b: string[]) => [...new Set([...a, ...b])];
    const clinicIds = merge(entry.clinicIds ?? (entry.clinicId ? [entry.clinicId] : []), now.clinicIds);
    return {
      clinicId: clinicIds[0] ?? null,
      clinicIds,
      patientIds: merge(entry.patientIds, now.patientIds),
      recordingIds: merge(entry.recordingIds, now.recordingIds),
      consultationIds: merge(entry.consultationIds, now.consultationIds),
    };
  }

  /** Who owns what, from booking, call and recording facts only. */
  get ownership(): Ownership {
    return {
      ownerOfRecording: (id) => this.state.recordings.get(id),
      ownerOfConsultation: (id) => this.state.consultations.get(id),
    };
  }
}
