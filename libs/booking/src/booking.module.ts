import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ContextAdapters, contextProviders } from '@vgp/platform';
import { ConsultationsController } from './api/consultations.controller';
import { BookConsultationHandler } from './application/book-consultation.handler';
import { CancelConsultationHandler } from './application/cancel-consultation.handler';
import { CompleteConsultationHandler } from './application/complete-consultation.handler';
import { ConsultationCommandRunner } from './application/consultation-command.runner';
import { CONSULTATION_QUERIES } from './application/consultation.queries';
import { GetConsultationHandler } from './application/get-consultation.handler';
import { ListConsultationsHandler } from './application/list-consultations.handler';
import { RescheduleConsultationHandler } from './application/reschedule-consultation.handler';
import { ScheduleReservations } from './application/schedule-reservations';
import { consultationsProjection } from './infrastructure/consultations.projection';
import { ReadModelConsultationQueries } from './infrastructure/read-model-consultation.queries';

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
