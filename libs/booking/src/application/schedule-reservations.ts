import { Inject, Injectable } from '@nestjs/common';
import type { EventMetadata } from '@vgp/contracts';
import { ConcurrencyConflict } from '@vgp/domain';
import { domainEventOf, EVENT_STORE, type EventStore, handleCommand, type StoredEvent } from '@vgp/event-store';
import { type ConsultationEvent, consultationDecider, type ConsultationState } from '../domain/consultation.decider.js';
import {
  clashesWith,
  decidedHoldCounts,
  type Hold,
  type HoldOutcome,
  outcomeOf,
  refusalOf,
  type ScheduleEvent,
  scheduleDecider,
  type ScheduleState,
} from '../domain/schedule.decider.js';
import { deterministicUuid } from './deterministic-id.js';

/** Conflicts in a row after which nobody else is seen writing: the store itself refuses, so answer 409 concurrent-update. */
const ATTEMPTS_WITHOUT_PROGRESS = 3;
/** Each conflict is another request's decision landing first; this only bounds a stream that never settles. */
const MAX_ATTEMPTS = 1_000;

export const consultationStreamOf = (consultationId: string): string => `consultation-${consultationId}`;

/** The id of the consultation event a hold's change writes, the same for every writer of it. */
export const changeEventIdOf = (hold: Hold): string => deterministicUuid('consultation-change', hold.holdId);

/**
 * Holds a booking's or reschedule's time in each schedule stream it needs, in their one global order, each
 * append at the revision read (ADR 0023). The store's expected revisions are the only serialisation, so this is
 * correct at any number of replicas. A clashing hold left half-way by another request is finished here as that
 * request would finish it (held or refused, recorded once; a decided change written), so nobody waits on a request
 * that may have died, and nobody is refused for a booking that is itself refused.
 */
@Injectable()
export class ScheduleReservations {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Throws ClinicianDoubleBooked or PatientDoubleBooked where the time is taken; returns once it is held everywhere. */
  async reserve(hold: Hold, metadata: EventMetadata, occurredAt: Date): Promise<void> {
    for (const streamId of hold.streams) {
      const outcome = await this.place(hold, streamId, metadata, occurredAt);
      if (!outcome.held) throw refusalOf(hold, streamId, outcome.conflictingConsultationId);
    }
  }

  /**
   * Retries as long as other writers keep moving the stream: under contention an allowed hold is decided, never
   * given up with 409. Only conflicts with no progress in between (the stream read the same) count against it.
   */
  private async place(hold: Hold, streamId: string, metadata: EventMetadata, occurredAt: Date): Promise<HoldOutcome> {
    let lastSeen = -1;
    let stalled = 0;
    for (let attempt = 1; ; attempt++) {
      let seen = -1;
      try {
        const result = await handleCommand<ScheduleEvent, ScheduleState>(this.store, {
          streamId,
          evolve: scheduleDecider.evolve,
          initialState: scheduleDecider.initialState,
          decide: async (state, { history }) => {
            seen = history.length;
            const live = await this.stillCounting(clashesWith(state, hold), streamId, history);
            return scheduleDecider.decide({ type: 'PlaceHold', hold, streamId }, state, { live });
          },
          metadata,
          occurredAt,
          maxAttempts: 1,
        });
        const outcome = outcomeOf(result.state, hold.holdId);
        if (!outcome) throw new Error(`hold ${hold.holdId} undecided in ${streamId}`);
        return outcome;
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict) || error.streamId !== streamId) throw error;
        stalled = seen === lastSeen ? stalled + 1 : 1;
        lastSeen = seen;
        if (stalled >= ATTEMPTS_WITHOUT_PROGRESS || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The first of the clashing holds that still takes up time (one is enough to refuse). */
  private async stillCounting(clashing: Hold[], streamId: string, history: readonly StoredEvent[]): Promise<ReadonlySet<string>> {
    for (const other of clashing) {
      if (await this.counts(other, streamId, history)) return new Set([other.holdId]);
    }
    return new Set();
  }

  private async counts(other: Hold, streamId: string, history: readonly StoredEvent[]): Promise<boolean> {
    const held = history.find((e) => e.type === 'SlotHeld' && (e.data as Hold).holdId === other.holdId);
    // Always found (the state was folded from this history); were it not, counting it is the safe answer.
    if (!held) return true;
    // Undecided until held in its last stream: finish it in the streams after this one (always later in the
    // order, so finishing never comes back here), under the metadata and time of the request that made it.
    for (const next of other.streams.slice(other.streams.indexOf(streamId) + 1)) {
      const outcome = await this.place(other, next, metadataOf(held), new Date(held.occurredAt));
      if (!outcome.held) return false;
    }
    let consultation = await this.consultation(other.consultationId);
    if (consultation.revision < other.generation) {
      // Held everywhere but not written: its request may have died. Write its change as it would have (same id,
      // same revision), so an allowed change is never lost and never blocks the time without being seen.
      await this.writeChange(other, held);
      consultation = await this.consultation(other.consultationId);
    }
    return decidedHoldCounts(other, consultation);
  }

  private async writeChange(hold: Hold, held: StoredEvent): Promise<void> {
    await handleCommand<ConsultationEvent, ConsultationState>(this.store, {
      streamId: consultationStreamOf(hold.consultationId),
      evolve: consultationDecider.evolve,
      initialState: consultationDecider.initialState,
      // Only at the revision it was held for: once another change is there, the hold is judged against that.
      decide: (_state, { history }) => (history.length === hold.generation ? [hold.change] : []),
      metadata: metadataOf(held),
      occurredAt: new Date(held.occurredAt),
      eventId: () => changeEventIdOf(hold),
    });
  }

  private async consultation(consultationId: string): Promise<{ revision: number; state: ConsultationState }> {
    const stored = await this.store.readStream(consultationStreamOf(consultationId));
    const state = stored
      .map((e) => domainEventOf<ConsultationEvent>(e))
      .reduce(consultationDecider.evolve, consultationDecider.initialState());
    return { revision: stored.at(-1)?.revision ?? -1, state };
  }
}

const metadataOf = ({ correlationId, causationId, actor, softwareVersion, featureFlags }: StoredEvent): EventMetadata => ({
  correlationId,
  causationId,
  actor,
  softwareVersion,
  featureFlags,
});
