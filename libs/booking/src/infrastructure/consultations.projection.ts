import { Inject, Injectable } from '@nestjs/common';
import type { MediaMode } from '@vgp/contracts';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { ProjectionDefinition, ProjectionHandler, READ_MODEL_STORE, ReadModelStore, startProjection } from '@vgp/read-models';
import { ActiveSlot, CancelReason, ConsultationEvent, endsAt } from '../domain/consultation.decider';

export type ConsultationStatus = 'booked' | 'cancelled' | 'completed';

/** A consultation as the API shows it. */
export type ConsultationView = {
  consultationId: string;
  clinicId: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  mode: MediaMode;
  status: ConsultationStatus;
  cancelReason: CancelReason | null;
  bookedAt: string;
  updatedAt: string;
};

/** The projection's name (its checkpoint) and its one collection: one document per consultation, by id. */
export const CONSULTATIONS_PROJECTION = 'booking-consultations';
export const CONSULTATIONS_COLLECTION = 'booking_consultations';

/** Pure: the consultation's view after one event of its stream. */
export const foldConsultation = (view: ConsultationView | null, stored: StoredEvent): ConsultationView | null => {
  const event = stored as unknown as ConsultationEvent & StoredEvent;
  const at = stored.occurredAt;
  switch (event.type) {
    case 'ConsultationBooked': {
      const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } = event.data;
      return {
        consultationId,
        clinicId,
        patientId,
        clinicianId,
        startsAt,
        endsAt: endsAt({ startsAt, durationMinutes }),
        durationMinutes,
        mode,
        status: 'booked',
        cancelReason: null,
        bookedAt: at,
        updatedAt: at,
      };
    }
    case 'ConsultationRescheduled':
      return (
        view && {
          ...view,
          startsAt: event.data.startsAt,
          durationMinutes: event.data.durationMinutes,
          endsAt: endsAt(event.data),
          updatedAt: at,
        }
      );
    case 'ConsultationCancelled':
      return view && { ...view, status: 'cancelled', cancelReason: event.data.reason, updatedAt: at };
    case 'ConsultationCompleted':
      return view && { ...view, status: 'completed', updatedAt: at };
    default:
      // Other event types in these streams (none today) do not change the view.
      return view;
  }
};

const byConsultation: ProjectionHandler<ConsultationView> = {
  collection: CONSULTATIONS_COLLECTION,
  // No natural unique key besides the consultation id, which is the document id.
  indexes: [
    // The overlap facts: a clinic's consultations that still take up time.
    { name: 'by_clinic_status', fields: ['clinicId', 'status'] },
    { name: 'by_clinic_patient', fields: ['clinicId', 'patientId'] },
    { name: 'by_clinic_clinician', fields: ['clinicId', 'clinicianId'] },
  ],
  keyOf: (event) => {
    const id = (event.data as { consultationId?: unknown } | null)?.consultationId;
    return typeof id === 'string' && id !== '' ? id : null;
  },
  fold: foldConsultation,
};

/** Booking's `consultation` streams folded into one document per consultation. */
export const consultationsProjection: ProjectionDefinition = {
  name: CONSULTATIONS_PROJECTION,
  categories: ['consultation'],
  handlers: [byConsultation as unknown as ProjectionHandler],
};

/**
 * Every consultation, in the context's read-model store (MongoDB in distributed mode, memory when
 * embedded), folded from the booking store's `consultation` streams. It answers GET and list, and
 * supplies the overlap facts. Resumes from its checkpoint (from 0 with an in-memory store).
 */
@Injectable()
export class ConsultationsProjection {
  private subscription: Subscription | null = null;
  private starting: Promise<void> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  start(): Promise<void> {
    this.starting ??= startProjection(consultationsProjection, { eventStore: this.store, readModels: this.readModels }).then(
      (subscription) => {
        this.subscription = subscription;
      },
      (error: unknown) => {
        this.starting = null;
        throw error;
      },
    );
    return this.starting;
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  /** Resolves once every consultation event stored so far is folded in and written. */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the consultations projection is not running');
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const subscription = this.subscription;
    this.subscription = null;
    this.starting = null;
    await subscription?.stop();
  }

  async get(consultationId: string): Promise<ConsultationView | undefined> {
    return (await this.readModels.get<ConsultationView>(CONSULTATIONS_COLLECTION, consultationId)) ?? undefined;
  }

  /** The clinic's consultations, optionally only a patient's or a clinician's, ordered by id. */
  inClinic(clinicId: string, filter: { patientId?: string; clinicianId?: string } = {}): Promise<ConsultationView[]> {
    const { patientId, clinicianId } = filter;
    return this.readModels.find<ConsultationView>(CONSULTATIONS_COLLECTION, {
      clinicId,
      ...(patientId === undefined ? {} : { patientId }),
      ...(clinicianId === undefined ? {} : { clinicianId }),
    });
  }

  /** The clinic's consultations that still take up time. */
  async activeInClinic(clinicId: string): Promise<ActiveSlot[]> {
    const booked = await this.readModels.find<ConsultationView>(CONSULTATIONS_COLLECTION, { clinicId, status: 'booked' });
    return booked.map(({ consultationId, patientId, clinicianId, startsAt, durationMinutes }) => ({ consultationId, patientId, clinicianId, startsAt, durationMinutes }));
  }
}
