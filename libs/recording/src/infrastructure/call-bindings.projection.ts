import { Injectable } from '@nestjs/common';
import { Projection, StoredEvent } from '@vgp/event-store';
import { BookingFact, bookingFactOf, BookingFactEvent, bindingOf, CallBinding, CallFact, CallFactEvent, evolveCallFact } from '../domain/call-binding';

const CALL_EVENTS = new Set(['CallStarted', 'MediaModeSwitched', 'CallEnded', 'ParticipantJoined', 'ParticipantLeft']);

/** Calls and bookings as the inbox copied them: what every upload is bound to. */
@Injectable()
export class CallBindingsProjection extends Projection {
  protected readonly categories = ['inbox'];
  private readonly calls = new Map<string, CallFact>();
  private readonly bookings = new Map<string, BookingFact>();

  get(callId: string): CallBinding | null {
    const call = this.calls.get(callId);
    return call ? bindingOf(call, this.bookings.get(call.consultationId)) : null;
  }

  protected apply(stored: StoredEvent): void {
    if (stored.type === 'ConsultationBooked') {
      const fact = bookingFactOf({ type: 'ConsultationBooked', data: stored.data } as BookingFactEvent);
      this.bookings.set(fact.consultationId, fact);
      return;
    }
    if (!CALL_EVENTS.has(stored.type)) return;
    const event = { type: stored.type, data: stored.data } as CallFactEvent;
    const callId = event.data.callId;
    const next = evolveCallFact(this.calls.get(callId), event);
    if (next) this.calls.set(callId, next);
  }
}
