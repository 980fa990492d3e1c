import { DomainError } from '@vgp/domain';
import { type EventStore, type StoredEvent, type Subscription } from './event-store.port.js';

/**
 * What a processor does with an event its handler keeps failing on: `park` records it and moves on (the
 * read model is missing one event, reported); `stop` halts the processor at that event (nothing after it
 * is applied, reported). See docs/decisions/0015-projection-failures-park-or-stop.md for which processor does which.
 */
export type FailurePolicy = 'park' | 'stop';

/** An event a processor gave up on, by id only: payloads may hold personal data. */
export type ParkedEvent = { eventId: string; position: number; type: string; error: string };

export type ProcessorObserver = {
  /** A handler failed on an event (it will be retried, parked or stop the processor). */
  failed?(processor: string, event: StoredEvent, attempt: number, error: unknown): void;
  parked?(processor: string, event: ParkedEvent): void;
  stopped?(processor: string, event: ParkedEvent): void;
};

export type EventProcessorOptions = {
  /** Names the processor in logs, metrics and health. */
  name: string;
  eventStore: EventStore;
  categories?: string[];
  /** Where to resume: the position after which events are handled (a stored checkpoint, or 0). */
  resumeAfter(): Promise<number>;
  handle(event: StoredEvent): Promise<void>;
  /** After an event was handled (e.g. tell WebSocket clients); its failure is the hook's own. */
  onApplied?(event: StoredEvent): Promise<void> | void;
  onFailure: FailurePolicy;
  /**
   * Tries of one event before it is parked or stops the processor. Only failures the handler marks as
   * its own (HandlerFailed, thrown by pure folds) count: an unavailable store is retried without end.
   */
  maxAttempts?: number;
  /** How long `caughtUp()` waits before it gives up with ProcessorNotCaughtUp. */
  caughtUpTimeoutMs?: number;
  observer?: ProcessorObserver;
};

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_CAUGHT_UP_TIMEOUT_MS = 30_000;

/** A failure of the handler's own logic for this event (deterministic: retrying will not help). */
export class HandlerFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    this.name = 'HandlerFailed';
  }
}

/** The read model is behind (stalled, stopped on a failing event, or not started): the request cannot be answered consistently. */
export class ProcessorNotCaughtUp extends DomainError {
  readonly code = 'read-model-unavailable';
  readonly kind = 'unavailable';
  constructor(
    readonly processor: string,
    reason: string,
  ) {
    super(`processor ${processor} ${reason}`, { title: 'Service Unavailable' });
  }

  override get detail(): string {
    return 'This data is being brought up to date; nothing was changed. Retry shortly.';
  }
}

export type ProcessorStatus = 'stopped' | 'starting' | 'running' | 'failed';

/**
 * The one lifecycle of everything that follows a store (projections, the audit chain): `start()` resumes
 * from `resumeAfter()` and resolves once caught up; a concurrent start joins the one in flight; `stop()`
 * waits for it; `caughtUp()` gives up after a timeout instead of hanging; a handler that keeps failing is
 * parked or stops the processor, by policy, and is reported.
 */
export class EventProcessor {
  private subscription: Subscription | null = null;
  private opening: Promise<void> | null = null;
  private failedAt: ParkedEvent | null = null;
  private readonly parkedEvents: ParkedEvent[] = [];
  private readonly attempts = new Map<string, number>();

  constructor(private readonly options: EventProcessorOptions) {}

  get name(): string {
    return this.options.name;
  }

  get status(): ProcessorStatus {
    if (this.failedAt) return 'failed';
    if (this.subscription) return 'running';
    return this.opening ? 'starting' : 'stopped';
  }

  /** Running, and not stopped on a failing event. */
  get healthy(): boolean {
    return this.status === 'running';
  }

  get parked(): readonly ParkedEvent[] {
    return this.parkedEvents;
  }

  /** The event this processor stopped at, under the `stop` policy. */
  get stoppedAt(): ParkedEvent | null {
    return this.failedAt;
  }

  /** Resolves once caught up (or once stopped on a failing event, which health then reports). */
  async start(): Promise<void> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    await this.opening;
    try {
      await this.caughtUp();
    } catch (error) {
      // Stopped on a failing event (health reports it), or stopped meanwhile: not the starter's failure.
      if (!(error instanceof ProcessorNotCaughtUp && (this.failedAt || !this.subscription))) throw error;
    }
  }

  async caughtUp(timeoutMs = this.options.caughtUpTimeoutMs ?? DEFAULT_CAUGHT_UP_TIMEOUT_MS): Promise<void> {
    this.assertNotStopped();
    await this.opening;
    const subscription = this.subscription;
    if (!subscription) throw new ProcessorNotCaughtUp(this.name, 'is not running');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProcessorNotCaughtUp(this.name, `did not catch up within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([subscription.caughtUp(), timeout]);
    } catch (error) {
      if (error instanceof ProcessorNotCaughtUp) throw error;
      // The subscription was stopped underneath the wait (by stop(), or at a failing event).
      throw new ProcessorNotCaughtUp(this.name, this.failedAt ? `stopped at event ${this.failedAt.eventId}` : 'was stopped');
    } finally {
      clearTimeout(timer);
    }
    this.assertNotStopped();
  }

  private assertNotStopped(): void {
    if (this.failedAt) throw new ProcessorNotCaughtUp(this.name, `stopped at event ${this.failedAt.eventId}`);
  }

  async stop(): Promise<void> {
    await this.opening?.catch(() => undefined);
    const subscription = this.subscription;
    this.subscription = null;
    this.opening = null;
    await subscription?.stop();
  }

  private async open(): Promise<void> {
    const { eventStore, categories } = this.options;
    this.failedAt = null;
    const fromPosition = await this.options.resumeAfter();
    this.subscription = eventStore.subscribe({ fromPosition, categories }, (event) => this.deliver(event));
  }

  private async deliver(event: StoredEvent): Promise<void> {
    if (this.failedAt) throw new ProcessorNotCaughtUp(this.name, 'is stopped');
    try {
      await this.options.handle(event);
    } catch (error) {
      const attempt = (this.attempts.get(event.id) ?? 0) + 1;
      this.options.observer?.failed?.(this.name, event, attempt, error);
      if (!(error instanceof HandlerFailed)) throw error;
      const limit = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      if (attempt < limit) {
        this.attempts.set(event.id, attempt);
        throw error;
      }
      this.attempts.delete(event.id);
      const given = { eventId: event.id, position: event.position, type: event.type, error: error.message.slice(0, 300) };
      if (this.options.onFailure === 'stop') {
        this.failedAt = given;
        this.options.observer?.stopped?.(this.name, given);
        // Stop without awaiting: this runs inside the subscription's own loop.
        const subscription = this.subscription;
        void subscription?.stop();
        throw error;
      }
      this.parkedEvents.push(given);
      this.options.observer?.parked?.(this.name, given);
      return;
    }
    this.attempts.delete(event.id);
    try {
      await this.options.onApplied?.(event);
    } catch (error) {
      // The event is applied; a failing hook must not apply it again.
      this.options.observer?.failed?.(this.name, event, 0, error);
    }
  }
}
