import { KeyedMutex } from '@vgp/platform';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventMetadata, Role } from '@vgp/contracts';
import { EVENT_STORE, EventStore, StoredEvent, WrongExpectedRevision } from '@vgp/event-store';
import { ConsultationCommand, ConsultationEvent, ConsultationState, decide, evolve, initialState } from '../domain/consultation.decider';
import { ConsultationNotFound } from '../domain/consultation.errors';
import { ConsultationsProjection, ConsultationView } from '../infrastructure/consultations.projection';

export type WriteRequest = {
  /** The clinic whose bookings this write may clash with: the caller's clinic. */
  clinicId: string;
  consultationId: string;
  command: ConsultationCommand;
  /** The role the caller acts under, given the consultation as stored; throws when they may not act. */
  authorize(state: ConsultationState): Role;
  metadata(role: Role): EventMetadata;
  /** For a booking whose stream already exists: true to answer with it as it is (an idempotent retry). */
  alreadyDone?(stored: StoredEvent[]): boolean;
};

export type WriteResult = { view: ConsultationView; replayed: boolean };

export const streamOf = (consultationId: string): string => `consultation-${consultationId}`;

/**
 * load stream → fold → look up facts → decide → append at the expected revision, once more on a
 * concurrent write; then wait for the projection so the answer reflects the write.
 */
@Injectable()
export class ConsultationWriter {
  private readonly mutex = new KeyedMutex();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projection: ConsultationsProjection,
  ) {}

  write(request: WriteRequest): Promise<WriteResult> {
    return this.mutex.run(request.clinicId, async () => {
      try {
        return await this.attempt(request);
      } catch (error) {
        // Another writer got in between read and append (another process on the same store).
        if (error instanceof WrongExpectedRevision) return this.attempt(request);
        throw error;
      }
    });
  }

  private async attempt(request: WriteRequest): Promise<WriteResult> {
    const stream = streamOf(request.consultationId);
    const stored = await this.store.readStream(stream);
    const state = stored.reduce((s, e) => evolve(s, e as unknown as ConsultationEvent), initialState());
    if (state.status !== 'none' && request.alreadyDone?.(stored)) return { view: await this.current(request.consultationId), replayed: true };
    const role = request.authorize(state);
    // The overlap facts come from a read model that has folded every append so far (under the clinic's mutex).
    await this.projection.caughtUp();
    const active = await this.projection.activeInClinic(request.clinicId);
    const events = decide(request.command, state, { active });
    const metadata = request.metadata(role);
    await this.store.append(
      stream,
      events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, occurredAt: request.command.now.toISOString(), metadata })),
      stored.length === 0 ? 'no_stream' : stored[stored.length - 1].revision,
    );
    return { view: await this.current(request.consultationId), replayed: false };
  }

  private async current(consultationId: string): Promise<ConsultationView> {
    await this.projection.caughtUp();
    const view = await this.projection.get(consultationId);
    if (!view) throw new ConsultationNotFound();
    return view;
  }
}
