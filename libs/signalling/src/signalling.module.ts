import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TOPICS } from '@vgp/contracts';
import { type ContextAdapters, contextProviders } from '@vgp/platform';
import { CallsController } from './api/calls.controller.js';
import { SignallingGateway } from './api/signalling.gateway.js';
import { CallActionHandler } from './application/call-action.handler.js';
import { CALL_CHANGES, CallChangeRegistry } from './application/call-changes.js';
import { CallFactsProvider } from './application/call-facts.js';
import { CallRelay } from './application/call-relay.js';
import { CALL_QUERIES } from './application/call.queries.js';
import { CloseCallHandler } from './application/close-call.handler.js';
import { CONSULTATION_QUERIES } from './application/consultation.queries.js';
import { ConsultationCancellationsReactor } from './application/consultation-cancellations.reactor.js';
import { GetCallHandler } from './application/get-call.handler.js';
import { StartCallHandler } from './application/start-call.handler.js';
import { ReadModelCallQueries } from './infrastructure/read-model-call.queries.js';
import { signallingCallsProjection } from './infrastructure/calls.projection.js';
import { ReadModelConsultationQueries } from './infrastructure/read-model-consultation.queries.js';
import { signallingConsultationsProjection } from './infrastructure/consultations.projection.js';

/**
 * Calls between a consultation's booked patient and clinician: REST to start and inspect a call,
 * WebSocket signalling at /v1/signalling. Consumes `consultation.events`, publishes `call.events`; relays
 * signalling frames between its replicas over the broadcast bus (ADR 0024).
 */
@Module({})
export class SignallingModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    return {
      module: SignallingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [CallsController],
      providers: [
        ...contextProviders(adapters, {
          inject: [CallChangeRegistry, ConsultationCancellationsReactor, SignallingGateway],
          spec: (changes: CallChangeRegistry, reactor: ConsultationCancellationsReactor, gateway: SignallingGateway) => ({
            name: 'signalling',
            projections: [
              // Stop (ADR 0015): these facts decide who may start a call; a skipped cancellation would let one through.
              { definition: signallingConsultationsProjection, onFailure: 'stop' },
              // Park: a view; every call command is decided on the call's own stream, so a skipped event lets no one in.
              { definition: signallingCallsProjection, onFailure: 'park', onApplied: (event) => changes.announce(event) },
            ],
            inbox: { groupId: 'signalling', topics: [TOPICS.consultation], accept: (event) => event.type.startsWith('Consultation') },
            outbox: { subscriptionId: 'signalling-outbox', categories: ['call'] },
            // After bootstrap: the reactor dispatches commands, whose handlers are registered then.
            started: () => reactor.start(),
            stopping: async () => {
              // Sockets still open record their leaving while the store and the read models run.
              await gateway.shutdown();
              await reactor.stop();
            },
          }),
        }),
        { provide: CALL_QUERIES, useClass: ReadModelCallQueries },
        { provide: CONSULTATION_QUERIES, useClass: ReadModelConsultationQueries },
        CallChangeRegistry,
        { provide: CALL_CHANGES, useExisting: CallChangeRegistry },
        CallFactsProvider,
        CallRelay,
        StartCallHandler,
        CallActionHandler,
        CloseCallHandler,
        GetCallHandler,
        ConsultationCancellationsReactor,
        SignallingGateway,
      ],
    };
  }
}
