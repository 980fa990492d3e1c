import { Inject, Injectable } from '@nestjs/common';
import type { BookingFact } from '@vgp/contracts';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type CallBindingQueries } from '../application/call-binding.queries.js';
import { bindingOf, type CallBinding, type CallFact } from '../domain/call-binding.js';
import { RECORDING_BOOKINGS, RECORDING_CALLS } from './call-bindings.projection.js';

/** Call bindings from the call-bindings read model: the call, bound to its booking. */
@Injectable()
export class ReadModelCallBindingQueries implements CallBindingQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  async get(callId: string): Promise<CallBinding | null> {
    const call = await this.readModels.get<CallFact>(RECORDING_CALLS, callId);
    if (!call) return null;
    return bindingOf(call, await this.readModels.get<BookingFact>(RECORDING_BOOKINGS, call.consultationId));
  }
}
