import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '@vgp/auth';
import type { Role } from '@vgp/contracts';
import { EVENT_STORE, type EventStore, handleCommand } from '@vgp/event-store';
import { EventMetadataFactory, KeyedMutex, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import {
  type BookingFacts,
  type ConsultationCommand,
  consultationDecider,
  type ConsultationState,
  NO_BOOKING_FACTS,
} from '../domain/consultation.decider.js';
import { ConsultationNotFound } from '../domain/consultation.errors.js';
import { CONSULTATION_QUERIES, type ConsultationQueries, CONSULTATIONS_PROJECTION, type ConsultationView } from './consultation.queries.js';

export type ConsultationWrite = {
  caller: AuthenticatedUser;
  command: ConsultationCommand;
  /** The role the caller acts under, given the consultation as stored; throws when they may not act. */
  authorize(state: ConsultationState): Role;
};

/** `replayed`: nothing was written, the answer is the booking an idempotent retry asked for again. */
export type WriteResult = { view: ConsultationView; replayed: boolean };

export const streamOf = (consultationId: string): string => `consultation-${consultationId}`;

/**
 * Runs a consultation command through `handleCommand`, one at a time per clinic (ADR 0007: the overlap
 * facts are read from the consultations read model, brought up to date inside the clinic's mutex, so no
 * other booking of the clinic lands between reading them and appending), and answers the consultation
 * as the read model holds it after the write.
 */
@Injectable()
export class ConsultationCommandRunner {
  private readonly mutex = new KeyedMutex();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONSULTATION_QUERIES) private readonly consultations: ConsultationQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
    private readonly metadata: EventMetadataFactory,
  ) {}

  run({ caller, command, authorize }: ConsultationWrite): Promise<WriteResult> {
    return this.mutex.run(caller.clinicId, async () => {
      const result = await handleCommand(this.store, {
        streamId: streamOf(command.consultationId),
        evolve: consultationDecider.evolve,
        initialState: consultationDecider.initialState,
        decide: async (state) => {
          if (command.type === 'BookConsultation' && state.status !== 'none') {
            // Its id is derived from this caller's Idempotency-Key: a retry (nothing appended) or a refusal, as when first checked.
            return consultationDecider.decide(command, state, NO_BOOKING_FACTS);
          }
          authorize(state);
          return consultationDecider.decide(command, state, await this.factsFor(command, caller.clinicId));
        },
        // The role the caller acts under depends on the consultation as read (authorized in `decide`).
        metadata: (state) => this.metadata.forUser(caller, authorize(state)),
        occurredAt: command.now,
      });
      return { view: await this.current(command.consultationId), replayed: result.events.length === 0 };
    });
  }

  /** Only a new time can clash with other consultations. */
  private async factsFor(command: ConsultationCommand, clinicId: string): Promise<BookingFacts> {
    if (command.type !== 'BookConsultation' && command.type !== 'RescheduleConsultation') return NO_BOOKING_FACTS;
    await this.freshness.caughtUp(CONSULTATIONS_PROJECTION);
    return { active: await this.consultations.activeInClinic(clinicId) };
  }

  private async current(consultationId: string): Promise<ConsultationView> {
    await this.freshness.caughtUp(CONSULTATIONS_PROJECTION);
    const view = await this.consultations.get(consultationId);
    if (!view) throw new ConsultationNotFound();
    return view;
  }
}
