import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { ProjectionDefinition, ProjectionHandler, READ_MODEL_STORE, ReadModelStore, startProjection } from '@vgp/read-models';
import { BookingFact, bookingFactOf, BookingFactEvent, bindingOf, CallBinding, CallFact, CallFactEvent, evolveCallFact } from '../domain/call-binding';

/** One document per call, by call id: what signalling told us about it. */
export const RECORDING_CALLS = 'recording_calls';
/** One document per consultation, by consultation id: who booking says it is between. */
export const RECORDING_BOOKINGS = 'recording_bookings';

const CALL_EVENTS = new Set(['CallStarted', 'MediaModeSwitched', 'CallEnded', 'ParticipantJoined', 'ParticipantLeft']);

const idIn = (event: StoredEvent, field: 'callId' | 'consultationId'): string | null => {
  const id = (event.data as Record<string, unknown> | null)?.[field];
  return typeof id === 'string' && id !== '' ? id : null;
};

/** Pure: the call's fact after one of its events. */
export const foldCallFact = (doc: CallFact | null, stored: StoredEvent): CallFact | null =>
  evolveCallFact(doc ?? undefined, { type: stored.type, data: stored.data } as CallFactEvent) ?? null;

/** Pure: the booking's fact after ConsultationBooked (a redelivery writes the same fact again). */
export const foldBookingFact = (doc: BookingFact | null, stored: StoredEvent): BookingFact | null =>
  stored.type === 'ConsultationBooked' ? bookingFactOf({ type: 'ConsultationBooked', data: stored.data } as BookingFactEvent) : doc;

// Both collections are keyed by their natural unique key (the call id, the consultation id): no further unique index.
const calls: ProjectionHandler<CallFact> = {
  collection: RECORDING_CALLS,
  keyOf: (event) => (CALL_EVENTS.has(event.type) ? idIn(event, 'callId') : null),
  fold: foldCallFact,
};

const bookings: ProjectionHandler<BookingFact> = {
  collection: RECORDING_BOOKINGS,
  keyOf: (event) => (event.type === 'ConsultationBooked' ? idIn(event, 'consultationId') : null),
  fold: foldBookingFact,
};

/** The inbox's copies of signalling's call events and booking's bookings. */
export const recordingCallBindingsProjection: ProjectionDefinition = {
  name: 'recording-call-bindings',
  categories: ['inbox'],
  handlers: [calls as unknown as ProjectionHandler, bookings as unknown as ProjectionHandler],
};

/** Calls and bookings as the inbox copied them: what every upload is bound to. */
@Injectable()
export class CallBindingsProjection {
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  /** Follows the store from the projection's checkpoint; resolves once every stored event is folded. */
  async start(): Promise<void> {
    if (this.subscription) return;
    this.subscription = await startProjection(recordingCallBindingsProjection, { eventStore: this.store, readModels: this.readModels });
    await this.subscription.caughtUp();
  }

  /** Resolves once every event appended before the call is folded (read-your-writes). */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error(`${CallBindingsProjection.name} is not started`);
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  async get(callId: string): Promise<CallBinding | null> {
    const call = await this.readModels.get<CallFact>(RECORDING_CALLS, callId);
    if (!call) return null;
    const booking = await this.readModels.get<BookingFact>(RECORDING_BOOKINGS, call.consultationId);
    return bindingOf(call, booking ?? undefined);
  }
}
