import { Injectable } from '@nestjs/common';
import { EventStore, Subscription } from '@vgp/event-store';
import { Ownership, REPLAY_ACTIONS } from '../domain/access-log';
import { AuditChainState, AuditEntry, AuditIndex, BINDING_TYPES, evolve, indexOf, initialState } from '../domain/audit-chain';
import { AuthorizationFacts, emptyAuthorizationFacts, learnAuthorizationFact } from '../domain/authorization-facts';

/**
 * The audit log in memory, in chain order, folded from `auditlog-main`. Bindings learnt later
 * (a booking that arrived after a replay event on another topic) still file earlier entries under
 * the right clinic and patient: search fields are resolved again with everything known now.
 */
@Injectable()
export class AuditLogProjection {
  private readonly entries: AuditEntry[] = [];
  private state: AuditChainState = initialState();
  private readonly facts: AuthorizationFacts = emptyAuthorizationFacts();
  /** Replay entries ordered by when they happened (chain order is arrival order, which topics may skew). */
  private readonly timeline: { at: number; entry: AuditEntry }[] = [];
  private subscription: Subscription | null = null;
  /** Moves whenever a binding fact arrives; resolved search fields are cached until it does. */
  private bindingsVersion = 0;
  private readonly resolved = new WeakMap<AuditEntry, { version: number; index: AuditIndex }>();

  start(store: EventStore): void {
    if (this.subscription) return;
    this.subscription = store.subscribe({ fromPosition: 0, categories: ['auditlog'] }, async (event) => {
      if (event.type !== 'AuditEntryRecorded') return;
      const entry = event.data as AuditEntry;
      this.entries.push(entry);
      this.state = evolve(this.state, { type: 'AuditEntryRecorded', data: entry });
      if (BINDING_TYPES.includes(entry.sourceType)) this.bindingsVersion++;
      learnAuthorizationFact(this.facts, entry.source);
      if (REPLAY_ACTIONS.includes(entry.sourceType)) this.addToTimeline(entry);
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

  /** Replay entries with from <= occurredAt < to (ms), oldest first: a binary search, not a scan. */
  *replayEntriesBetween(from: number, to: number): Generator<AuditEntry> {
    for (let i = this.firstAtOrAfter(from); i < this.timeline.length && this.timeline[i].at < to; i++) yield this.timeline[i].entry;
  }

  /** Booking, recording and consent-share facts of the whole history, for the second check. */
  get authorizationFacts(): AuthorizationFacts {
    return this.facts;
  }

  /** The entry's search fields as recorded, plus whatever the bindings known now add. */
  resolvedIndex(entry: AuditEntry): AuditIndex {
    const cached = this.resolved.get(entry);
    if (cached?.version === this.bindingsVersion) return cached.index;
    const index = this.resolveIndex(entry);
    this.resolved.set(entry, { version: this.bindingsVersion, index });
    return index;
  }

  private resolveIndex(entry: AuditEntry): AuditIndex {
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

  private addToTimeline(entry: AuditEntry): void {
    const at = Date.parse(entry.source.occurredAt);
    const item = { at: Number.isNaN(at) ? 0 : at, entry };
    const last = this.timeline[this.timeline.length - 1];
    if (!last || last.at <= item.at) {
      this.timeline.push(item);
      return;
    }
    // Late arrivals from another topic: insert after everything at or before their time.
    this.timeline.splice(this.firstAtOrAfter(item.at + 1), 0, item);
  }

  private firstAtOrAfter(at: number): number {
    let lo = 0;
    let hi = this.timeline.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeline[mid].at < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
