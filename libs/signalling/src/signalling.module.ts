import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE } from '@vgp/event-store';
import { MESSAGE_BUS } from '@vgp/messaging';
import type { ContextAdapters } from '@vgp/platform';
import { CallsController } from './api/calls.controller';
import { SignallingGateway } from './api/signalling.gateway';
import { CallActionHandler } from './application/call-action.handler';
import { CallFactsProvider } from './application/call-facts';
import { CallStreams } from './application/call-streams';
import { CloseCallHandler } from './application/close-call.handler';
import { ConsultationCancellationsReactor } from './application/consultation-cancellations.reactor';
import { GetCallHandler } from './application/get-call.handler';
import { StartCallHandler } from './application/start-call.handler';
import { CallsProjection } from './infrastructure/calls.projection';
import { ConsultationsProjection } from './infrastructure/consultations.projection';
import { SignallingRuntime } from './signalling.runtime';

/**
 * Calls between a consultation's booked patient and clinician: REST to start and inspect a call,
 * WebSocket signalling at /v1/signalling. Consumes `consultation.events`, publishes `call.events`.
 */
@Module({})
export class SignallingModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: SignallingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [CallsController],
      providers: [
        // This context's own store; never exported, so no other context can reach it.
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        ConsultationsProjection,
        CallsProjection,
        CallStreams,
        CallFactsProvider,
        StartCallHandler,
        CallActionHandler,
        CloseCallHandler,
        GetCallHandler,
        ConsultationCancellationsReactor,
        SignallingGateway,
        SignallingRuntime,
      ],
    };
  }
}
