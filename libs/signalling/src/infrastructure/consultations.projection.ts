import { Injectable } from '@nestjs/common';
import { ConsultationEventData } from '@vgp/contracts';
import { Projection, StoredEvent } from '@vgp/event-store';
import { ConsultationFacts } from '../domain/call.decider';

/** Booking facts as the inbox copied them: who may call, and when. */
@Injectable()
export class ConsultationsProjection extends Projection {
  protected readonly categories = ['inbox'];
  private readonly consultations = new Map<string, ConsultationFacts>();

  get(consultationId: string): ConsultationFacts | null {
    return this.consultations.get(consultationId) ?? null;
  }

  protected apply(event: StoredEvent): void {
    switch (event.type) {
      case 'ConsultationBooked': {
        const data = event.data as ConsultationEventData['ConsultationBooked'];
        this.consultations.set(data.consultationId, { ...data, status: 'booked' });
        return;
      }
      case 'ConsultationRescheduled': {
        const data = event.data as ConsultationEventData['ConsultationRescheduled'];
        this.update(data.consultationId, { startsAt: data.startsAt, durationMinutes: data.durationMinutes });
        return;
      }
      case 'ConsultationCancelled':
        this.update((event.data as ConsultationEventData['ConsultationCancelled']).consultationId, { status: 'cancelled' });
        return;
      case 'ConsultationCompleted':
        this.update((event.data as ConsultationEventData['ConsultationCompleted']).consultationId, { status: 'completed' });
        return;
    }
  }

  private update(consultationId: string, change: Partial<ConsultationFacts>): void {
    const current = this.consultations.get(consultationId);
    if (current) this.consultations.set(consultationId, { ...current, ...change });
  }
}
