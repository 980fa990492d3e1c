import { Injectable } from '@nestjs/common';
import type { MediaMode } from '@vgp/contracts';
import { EventStore, StoredEvent, Subscription } from '@vgp/event-store';
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

/**
 * Every consultation, in memory, folded from the booking store's `consultation` streams. It answers
 * GET and list, and supplies the overlap facts. Rebuilt from position 0 at every boot.
 */
@Injectable()
export class ConsultationsProjection {
  private readonly byId = new Map<string, ConsultationView>();
  private subscription: Subscription | null = null;

  start(store: EventStore): void {
    if (this.subscription) return;
    this.subscription = store.subscribe({ fromPosition: 0, categories: ['consultation'] }, async (event) => this.apply(event));
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  /** Resolves once every consultation event stored so far is folded in. */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the consultations projection is not running');
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  get(consultationId: string): ConsultationView | undefined {
    const view = this.byId.get(consultationId);
    return view && { ...view };
  }

  all(): ConsultationView[] {
    return [...this.byId.values()].map((view) => ({ ...view }));
  }

  /** The clinic's consultations that still take up time. */
  activeInClinic(clinicId: string): ActiveSlot[] {
    return [...this.byId.values()]
      .filter((c) => c.clinicId === clinicId && c.status === 'booked')
      .map(({ consultationId, patientId, clinicianId, startsAt, durationMinutes }) => ({ consultationId, patientId, clinicianId, startsAt, durationMinutes }));
  }

  private apply(stored: StoredEvent): void {
    const event = stored as unknown as ConsultationEvent & StoredEvent;
    const at = stored.occurredAt;
    switch (event.type) {
      case 'ConsultationBooked': {
        const { consultationId, clinicId, patientId, clinicianId, startsAt, durationMinutes, mode } = event.data;
        this.byId.set(consultationId, {
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
        });
        return;
      }
      case 'ConsultationRescheduled':
        return this.update(event.data.consultationId, (view) => ({
          ...view,
          startsAt: event.data.startsAt,
          durationMinutes: event.data.durationMinutes,
          endsAt: endsAt(event.data),
          updatedAt: at,
        }));
      case 'ConsultationCancelled':
        return this.update(event.data.consultationId, (view) => ({ ...view, status: 'cancelled', cancelReason: event.data.reason, updatedAt: at }));
      case 'ConsultationCompleted':
        return this.update(event.data.consultationId, (view) => ({ ...view, status: 'completed', updatedAt: at }));
      default:
        // Other event types in these streams (none today) do not change the view.
        return;
    }
  }

  private update(consultationId: string, change: (view: ConsultationView) => ConsultationView): void {
    const view = this.byId.get(consultationId);
    if (view) this.byId.set(consultationId, change(view));
  }
}
