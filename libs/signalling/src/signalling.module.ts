import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE } from '@vgp/event-store';
import { MESSAGE_BUS } from '@vgp/messaging';
import type { ContextAdapters } from '@vgp/platform';
import { InMemoryReadModelStore, READ_MODEL_STORE } from '@vgp/read-models';
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
import { OWNED_READ_MODEL_STORE, SignallingRuntime } from './signalling.runtime';

/**
 * Calls between a consultation's booked patient and clinician: REST to start and inspect a call,
 * WebSocket signalling at /v1/signalling. Consumes `consultation.events`, publishes `call.events`.
 */
@Module({})
export class SignallingModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    // The app's store in distributed mode (it closes it); otherwise one of our own, rebuilt at every start.
    const readModels = adapters.readModels ?? new InMemoryReadModelStore();
    return {
      module: SignallingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [CallsController],
      providers: [
        // This context's own store; never exported, so no other context can reach it.
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        { provide: READ_MODEL_STORE, useValue: readModels },
        { provide: OWNED_READ_MODEL_STORE, useValue: adapters.readModels ? null : readModels },
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
