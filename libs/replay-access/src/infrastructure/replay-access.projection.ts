import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { READ_MODEL_STORE, ReadModelStore, startProjection } from '@vgp/read-models';
import { replayAccessProjection, ReplayAccessReadModel } from './replay-access.read-model';

/** Feeds the read models from the context's own store, from the projection's checkpoint in the read-model store. */
@Injectable()
export class ReplayAccessProjection {
  readonly readModel: ReplayAccessReadModel;
  private subscription: Subscription | null = null;
  private starting: Promise<Subscription> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {
    this.readModel = new ReplayAccessReadModel(readModels);
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.starting ??= startProjection(replayAccessProjection, { eventStore: this.store, readModels: this.readModels });
    try {
      this.subscription = await this.starting;
    } finally {
      this.starting = null;
    }
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  /** Resolves once everything appended before the call is in the read model (boot, read-your-writes). */
  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the replay-access projection is not running');
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }
}
