import { type StoredEvent, type Subscription, type SubscribeOptions, type SubscriptionHandler } from './event-store.port.js';

/** What a catch-up subscription needs from a store; positions are global, 1-based, and final once visible. */
export type CatchUpSource = {
  /** The position of the newest stored event, 0 when the store is empty. */
  headPosition(): Promise<number>;
  /** Events with `after < position <= upTo` in global order, at most `limit`, optionally of some categories. */
  readRange(after: number, upTo: number, limit: number, categories?: string[]): Promise<StoredEvent[]>;
  readCheckpoint(subscriptionId: string): Promise<number | null>;
  storeCheckpoint(subscriptionId: string, position: number): Promise<void>;
};

export type SubscriptionLogger = { warn(message: string): void };

export type CatchUpSettings = {
  pollIntervalMs: number;
  batchSize?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger?: SubscriptionLogger;
};

/**
 * Reads past events, then follows new ones: woken by in-process appends, and polling for
 * writers in other processes. A failing handler is retried with backoff on the same event, so
 * order holds and the checkpoint never passes an event that was not handled.
 */
export class CatchUpSubscription implements Subscription {
  private position = 0;
  /** Every event at or below this position was handled or is outside the categories. */
  private scanned = 0;
  private readonly stopping = new AbortController();
  private pendingWake = false;
  private wakeWaiter: (() => void) | null = null;
  private waiters: { target: number; resolve(): void; reject(error: Error): void }[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: SubscribeOptions,
    private readonly handler: SubscriptionHandler,
    private readonly settings: CatchUpSettings,
  ) {
    this.done = this.run();
  }

  /** Called by the store after an append in this process, so live events need not wait for the poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeWaiter?.();
  }

  async caughtUp(): Promise<void> {
    const target = await this.source.headPosition();
    if (this.scanned >= target) return;
    if (this.stopping.signal.aborted) throw new Error('subscription stopped before catching up');
    const reached = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    this.wake();
    return reached;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeWaiter?.();
    await this.done;
    for (const waiter of this.waiters) waiter.reject(new Error('subscription stopped before catching up'));
    this.waiters = [];
  }

  private get running(): boolean {
    return !this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    const { subscriptionId, fromPosition = 0 } = this.options;
    const batchSize = this.settings.batchSize ?? 200;
    let failures = 0;
    let started = false;
    while (this.running) {
      try {
        if (!started) {
          const checkpoint = subscriptionId ? await this.source.readCheckpoint(subscriptionId) : null;
          this.position = this.scanned = checkpoint ?? fromPosition;
          started = true;
        }
        const head = await this.source.headPosition();
        const batch = await this.source.readRange(this.position, head, batchSize, this.options.categories);
        for (const event of batch) {
          if (!(await this.deliver(event))) return;
          if (subscriptionId) await this.source.storeCheckpoint(subscriptionId, event.position);
          this.position = this.scanned = event.position;
        }
        failures = 0;
        if (batch.length < batchSize) {
          // Nothing of ours up to head: later events can only get higher positions.
          this.position = this.scanned = Math.max(this.position, head);
          this.settle();
          await this.idle(this.settings.pollIntervalMs);
        } else {
          this.settle();
        }
      } catch (error) {
        // The store itself failed (busy, closed underneath us): keep the position and try again.
        failures++;
        this.settings.logger?.warn(`subscription ${subscriptionId ?? '(anonymous)'}: reading failed: ${reasonOf(error)}`);
        await this.sleep(this.backoff(failures));
      }
    }
  }

  private async deliver(event: StoredEvent): Promise<boolean> {
    for (let attempt = 1; this.running; attempt++) {
      try {
        await this.handler(event);
        return true;
      } catch (error) {
        this.settings.logger?.warn(
          `subscription ${this.options.subscriptionId ?? '(anonymous)'}: handling event ${event.id} at position ${event.position} failed (attempt ${attempt}), retrying: ${reasonOf(error)}`,
        );
        await this.sleep(this.backoff(attempt));
      }
    }
    return false;
  }

  private settle(): void {
    const reached = this.waiters.filter((w) => w.target <= this.scanned);
    this.waiters = this.waiters.filter((w) => w.target > this.scanned);
    for (const waiter of reached) waiter.resolve();
  }

  private backoff(attempt: number): number {
    const initial = this.settings.retryInitialMs ?? 20;
    return Math.min(this.settings.retryMaxMs ?? 2_000, initial * 2 ** (attempt - 1));
  }

  /** Waits for a wake-up, the poll interval, or stop, whichever comes first. */
  private idle(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeWaiter = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wakeWaiter = null;
      this.pendingWake = false;
    });
  }

  /** Backoff that only stop cuts short: new appends must not speed up retries of a failing handler. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.running) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.stopping.signal.addEventListener('abort', done);
    });
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * The live catch-up subscriptions of one store, over its source: opened by `subscribe`, woken after its own
 * appends (or a notification), all stopped when it closes.
 */
export class CatchUpSubscriptions {
  private readonly running = new Set<CatchUpSubscription>();

  constructor(
    private readonly source: CatchUpSource,
    private readonly settings: CatchUpSettings,
  ) {}

  open(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const subscription = new CatchUpSubscription(this.source, options, handler, this.settings);
    this.running.add(subscription);
    return {
      caughtUp: () => subscription.caughtUp(),
      stop: async () => {
        this.running.delete(subscription);
        await subscription.stop();
      },
    };
  }

  wake(): void {
    for (const subscription of this.running) subscription.wake();
  }

  async stopAll(): Promise<void> {
    const running = [...this.running];
    this.running.clear();
    await Promise.all(running.map((subscription) => subscription.stop()));
  }
}
