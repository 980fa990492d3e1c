import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { type ContextAdapters, contextProviders } from '@vgp/platform';
import { ConsultationsController } from './api/consultations.controller.js';
import { BookConsultationHandler } from './application/book-consultation.handler.js';
import { CancelConsultationHandler } from './application/cancel-consultation.handler.js';
import { CompleteConsultationHandler } from './application/complete-consultation.handler.js';
import { ConsultationCommandRunner } from './application/consultation-command.runner.js';
import { CONSULTATION_QUERIES } from './application/consultation.queries.js';
import { GetConsultationHandler } from './application/get-consultation.handler.js';
import { ListConsultationsHandler } from './application/list-consultations.handler.js';
import { RescheduleConsultationHandler } from './application/reschedule-consultation.handler.js';
import { ScheduleReservations } from './application/schedule-reservations.js';
import { consultationsProjection } from './infrastructure/consultations.projection.js';
import { ReadModelConsultationQueries } from './infrastructure/read-model-consultation.queries.js';

export const BOOKING_OUTBOX_ID = 'booking-outbox';

/**
 * The booking context: consultations (book, reschedule, cancel, complete) in its own event store,
 * published on `consultation.events` through its outbox. It consumes nothing.
 */
@Module({})
export class BookingModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: BookingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [ConsultationsController],
      providers: [
        ...contextProviders(adapters, {
          spec: () => ({
            name: 'booking',
            // stop: every answer reads this model; a skipped event would answer a consultation as it no longer is.
            projections: [{ definition: consultationsProjection, onFailure: 'stop' }],
            outbox: { subscriptionId: BOOKING_OUTBOX_ID, categories: ['consultation'] },
          }),
        }),
        { provide: CONSULTATION_QUERIES, useClass: ReadModelConsultationQueries },
        ScheduleReservations,
        ConsultationCommandRunner,
        BookConsultationHandler,
        RescheduleConsultationHandler,
        CancelConsultationHandler,
        CompleteConsultationHandler,
        GetConsultationHandler,
        ListConsultationsHandler,
      ],
    };
  }
}
