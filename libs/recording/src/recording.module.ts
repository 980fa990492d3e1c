import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE } from '@vgp/event-store';
import { MESSAGE_BUS } from '@vgp/messaging';
import { OBJECT_STORE } from '@vgp/object-store';
import type { ContextAdapters } from '@vgp/platform';
import { InMemoryReadModelStore, READ_MODEL_STORE } from '@vgp/read-models';
import { RecordingsController } from './api/recordings.controller';
import { StoreRecordingHandler } from './application/store-recording.handler';
import { CallBindingsProjection } from './infrastructure/call-bindings.projection';
import { OWNED_READ_MODEL_STORE, RecordingRuntime } from './recording.runtime';

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
    // The app's store in distributed mode (it closes it); otherwise one of our own, rebuilt at every start.
    const readModels = adapters.readModels ?? new InMemoryReadModelStore();
    return {
      module: RecordingModule,
      imports: [CqrsModule.forRoot()],
      controllers: [RecordingsController],
      providers: [
        // This context's own store; never exported, so no other context can reach it.
        { provide: EVENT_STORE, useValue: adapters.eventStore },
        { provide: MESSAGE_BUS, useValue: adapters.bus },
        { provide: OBJECT_STORE, useValue: adapters.objectStore },
        { provide: READ_MODEL_STORE, useValue: readModels },
        { provide: OWNED_READ_MODEL_STORE, useValue: adapters.readModels ? null : readModels },
        CallBindingsProjection,
        StoreRecordingHandler,
        RecordingRuntime,
      ],
    };
  }
}
