import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, Subscription } from '@vgp/event-store';
import { ReplayAccessReadModel } from './replay-access.read-model';

/** The categories the read models fold: inbox copies, viewers' access streams and shares. */
export const PROJECTED_CATEGORIES = ['inbox', 'access', 'share'];

/** Feeds the read model from the context's own store, from position 0. */
@Injectable()
export class ReplayAccessProjection {
  readonly readModel = new ReplayAccessReadModel();
  private subscription: Subscription | null = null;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  start(): void {
    this.subscription ??= this.store.subscribe({ fromPosition: 0, categories: PROJECTED_CATEGORIES }, async (event) => this.readModel.apply(event));
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
