import { EventStore, StoredEvent, Subscription } from './event-store.port';

/**
 * An in-memory read model of the context's own store, rebuilt from position 0 at every start.
 * `caughtUp()` resolves once every event appended before the call is folded (read-your-writes).
 */
export abstract class Projection {
  private subscription: Subscription | null = null;

  protected abstract readonly categories: string[];
  protected abstract apply(event: StoredEvent): void;

  async start(store: EventStore): Promise<void> {
    if (this.subscription) return;
    this.subscription = store.subscribe({ fromPosition: 0, categories: this.categories }, async (event) => this.apply(event));
    await this.subscription.caughtUp();
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error(`${this.constructor.name} is not started`);
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }
}
