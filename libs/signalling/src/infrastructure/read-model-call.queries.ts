import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type CallQueries } from '../application/call.queries.js';
import { type OpenCall } from '../domain/call.decider.js';
import { type ActiveCall, SIGNALLING_ACTIVE_CALLS, SIGNALLING_CALLS } from './calls.projection.js';

@Injectable()
export class ReadModelCallQueries implements CallQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  get(callId: string): Promise<OpenCall | null> {
    return this.readModels.get<OpenCall>(SIGNALLING_CALLS, callId);
  }

  async activeCallOf(consultationId: string): Promise<OpenCall | null> {
    const active = await this.readModels.get<ActiveCall>(SIGNALLING_ACTIVE_CALLS, consultationId);
    return active ? this.get(active.callId) : null;
  }
}
