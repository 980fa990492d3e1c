import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TOPICS } from '@vgp/contracts';
import { OBJECT_STORE, type ObjectStore } from '@vgp/object-store';
import { type ContextAdapters, contextProviders } from '@vgp/platform';
import { RecordingsController } from './api/recordings.controller.js';
import { CALL_BINDING_QUERIES } from './application/call-binding.queries.js';
import { StoreRecordingHandler } from './application/store-recording.handler.js';
import { BINDING_EVENT_TYPES, recordingCallBindingsProjection } from './infrastructure/call-bindings.projection.js';
import { ReadModelCallBindingQueries } from './infrastructure/read-model-call-binding.queries.js';

/**
 * Recordings of call segments, bound on the server to the call's consultation, patient, clinician
 * and segment. Consumes `consultation.events` and `call.events`, publishes `recording.events`.
 */
@Module({})
export class RecordingModule {
  static forRoot(adapters: ContextAdapters): DynamicModule {
    if (!adapters.objectStore) {
      throw new Error('RecordingModule.forRoot needs adapters.objectStore: recordings are kept in object storage');
    }
    return {
      module: RecordingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [RecordingsController],
      providers: [
        ...contextProviders(adapters, {
          inject: [OBJECT_STORE],
          spec: (objects: ObjectStore) => ({
            name: 'recording',
            // 'stop': it decides who may file what under which consultation; skipping an event (a CallEnded, a booking) could accept an upload it must refuse.
            projections: [{ definition: recordingCallBindingsProjection, onFailure: 'stop' }],
            inbox: {
              groupId: 'recording',
              topics: [TOPICS.consultation, TOPICS.call],
              accept: (event) => BINDING_EVENT_TYPES.has(event.type),
            },
            outbox: { subscriptionId: 'recording-outbox', categories: ['recording'] },
            ready: () => objects.isHealthy(),
          }),
        }),
        { provide: CALL_BINDING_QUERIES, useClass: ReadModelCallBindingQueries },
        StoreRecordingHandler,
      ],
    };
  }
}
