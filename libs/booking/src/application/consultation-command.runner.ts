import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import type { Role } from '@vgp/contracts';
import { ConcurrencyConflict } from '@vgp/domain';
import { domainEventOf, EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { EventMetadataFactory, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import {
  type ConsultationCommand,
  consultationDecider,
  type ConsultationEvent,
  type ConsultationState,
} from '../domain/consultation.decider.js';
import { ConsultationNotFound } from '../domain/consultation.errors.js';
import { type Hold, scheduleStreamsOf } from '../domain/schedule.decider.js';
import { deterministicUuid } from './deterministic-id.js';
import { CONSULTATION_QUERIES, type ConsultationQueries, CONSULTATIONS_PROJECTION, type ConsultationView } from './consultation.queries.js';
import { changeEventIdOf, consultationStreamOf, ScheduleReservations } from './schedule-reservations.js';

export type ConsultationWrite = {
  caller: AuthenticatedUser;
  command: ConsultationCommand;
  /** The role the caller acts under, given the consultation as stored; throws when they may not act. */
  authorize(state: ConsultationState): Role;
};

/** `replayed`: nothing was written, the answer is the booking an idempotent retry asked for again. */
export type WriteResult = { view: ConsultationView; replayed: boolean };

/**
 * Runs a consultation command through `handleCommand`. A booking or a reschedule first holds its time in the
 * schedule streams of both people (ADR 0023), so overlaps are refused by the store's expected revisions at any
 * number of replicas; the consultation is then written at the revision its time was held for. Answers the
 * consultation as the read model holds it after the write.
 */
@Injectable()
export class ConsultationCommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly metadata: EventMetadataFactory,
    private readonly schedule: ScheduleReservations,
  ) {}

  async run({ caller, command, authorize }: ConsultationWrite): Promise<WriteResult> {
    const streamId = consultationStreamOf(command.consultationId);
    const hold = await this.holdTime(caller, command, authorize);
    let writtenBefore = false;
    const result = await handleCommand<ConsultationEvent, ConsultationState>(this.store, {
      streamId,
      evolve: consultationDecider.evolve,
      initialState: consultationDecider.initialState,
      decide: (state, { history }) => {
        if (hold) {
          // Another request that found this time held wrote the change already, exactly as this one would have.
          writtenBefore = history.some((e) => e.id === changeEventIdOf(hold));
          if (writtenBefore) return [];
          // Held for the consultation as read then: written over a later change, the hold would not count.
          if (history.length === hold.generation) return [hold.change];
        }
        if (command.type === 'BookConsultation' && state.status !== 'none') {
          // Its id is derived from this caller's Idempotency-Key: a retry (nothing appended) or a refusal, as when first checked.
          return consultationDecider.decide(command, state);
        }
        if (hold) throw new ConcurrencyConflict(streamId);
        authorize(state);
        return consultationDecider.decide(command, state);
      },
      // The role the caller acts under depends on the consultation as read (authorized in `decide`).
      metadata: (state) => this.metadata.forUser(caller, authorize(state)),
      occurredAt: command.now,
      // The one id of the change, whoever writes it: a second write of it is stored once.
      eventId: (event) => (hold && event === hold.change ? changeEventIdOf(hold) : randomUUID()),
    });
    return { view: await this.current(command.consultationId), replayed: result.events.length === 0 && !writtenBefore };
  }

  /**
   * Only a new time takes up anyone's time: a new booking, or a reschedule. Decides the change against the
   * consultation as stored (refusing what the decider refuses before holding anything), then holds its time.
   */
  private async holdTime(
    caller: AuthenticatedUser,
    command: ConsultationCommand,
    authorize: ConsultationWrite['authorize'],
  ): Promise<Hold | null> {
    if (command.type !== 'BookConsultation' && command.type !== 'RescheduleConsultation') return null;
    const stored = await this.store.readStream(consultationStreamOf(command.consultationId));
    const state = stored
      .map((e) => domainEventOf<ConsultationEvent>(e))
      .reduce(consultationDecider.evolve, consultationDecider.initialState());
    if (command.type === 'BookConsultation' && state.status !== 'none') return null;
    const role = authorize(state);
    // Overlaps are the schedule streams' to refuse; everything else the decider refuses here.
    const [change] = consultationDecider.decide(command, state);
    if (change?.type !== 'ConsultationBooked' && change?.type !== 'ConsultationRescheduled') return null;
    // A reschedule is decided only for a booked consultation, whose people it keeps.
    const people = change.type === 'ConsultationBooked' ? change.data : state.status !== 'none' ? state.consultation : null;
    if (!people) return null;
    const slot = {
      consultationId: command.consultationId,
      clinicId: people.clinicId,
      patientId: people.patientId,
      clinicianId: people.clinicianId,
      startsAt: new Date(Date.parse(change.data.startsAt)).toISOString(),
      durationMinutes: change.data.durationMinutes,
    };
    const generation = stored.length;
    const hold: Hold = {
      ...slot,
      holdId: deterministicUuid('schedule-hold', JSON.stringify(change), String(generation)),
      generation,
      streams: scheduleStreamsOf(slot),
      change,
    };
    await this.schedule.reserve(hold, this.metadata.forUser(caller, role), command.now);
    return hold;
  }

  private async current(consultationId: string): Promise<ConsultationView> {
    await this.freshness.caughtUp(CONSULTATIONS_PROJECTION);
    const view = await this.consultations.get(consultationId);
    if (!view) throw new ConsultationNotFound();
    return view;
  }
}
