import { Inject, Injectable } from '@nestjs/common';
import { ConsultationEventData } from '@vgp/contracts';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { ProjectionDefinition, ProjectionHandler, READ_MODEL_STORE, ReadModelStore, startProjection } from '@vgp/read-models';
import { ConsultationFacts } from '../domain/call.decider';

/** One document per consultation, by consultation id (its natural key, so no further unique index). */
export const SIGNALLING_CONSULTATIONS = 'signalling_consultations';

/** Pure: the consultation's facts after one inbox event. */
export const foldConsultationFacts = (doc: ConsultationFacts | null, event: StoredEvent): ConsultationFacts | null => {
  switch (event.type) {
    case 'ConsultationBooked': {
      const data = event.data as ConsultationEventData['ConsultationBooked'];
      return { ...data, status: 'booked' };
    }
    case 'ConsultationRescheduled': {
      const data = event.data as ConsultationEventData['ConsultationRescheduled'];
      return doc && { ...doc, startsAt: data.startsAt, durationMinutes: data.durationMinutes };
    }
    case 'ConsultationCancelled':
      return doc && { ...doc, status: 'cancelled' };
    case 'ConsultationCompleted':
      return doc && { ...doc, status: 'completed' };
    default:
      return doc;
  }
};

const CONSULTATION_EVENTS = new Set(['ConsultationBooked', 'ConsultationRescheduled', 'ConsultationCancelled', 'ConsultationCompleted']);

const byConsultation: ProjectionHandler<ConsultationFacts> = {
  collection: SIGNALLING_CONSULTATIONS,
  keyOf: (event) => {
    if (!CONSULTATION_EVENTS.has(event.type)) return null;
    const id = (event.data as { consultationId?: unknown } | null)?.consultationId;
    return typeof id === 'string' && id !== '' ? id : null;
  },
  fold: foldConsultationFacts,
};

/** The inbox's copies of booking's consultation events, folded into one document per consultation. */
export const signallingConsultationsProjection: ProjectionDefinition = {
  name: 'signalling-consultations',
  categories: ['inbox'],
  handlers: [byConsultation as unknown as ProjectionHandler],
};

/** Booking facts as the inbox copied them: who may call, and when. */
@Injectable()
export class ConsultationsProjection {
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  /** Follows the store from the projection's checkpoint; resolves once every stored event is folded. */
  async start(): Promise<void> {
    if (this.subscription) return;
    this.subscription = await startProjection(signallingConsultationsProjection, { eventStore: this.store, readModels: this.readModels });
    await this.subscription.caughtUp();
  }

  /** Resolves once every event appended before the call is folded (read-your-writes). */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error(`${ConsultationsProjection.name} is not started`);
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  get(consultationId: string): Promise<ConsultationFacts | null> {
    return this.readModels.get<ConsultationFacts>(SIGNALLING_CONSULTATIONS, consultationId);
  }
}
