import {
  type FactoryProvider,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { IntegrationEvent } from '@vgp/contracts';
import {
  EVENT_STORE,
  EventProcessor,
  type EventStore,
  type FailurePolicy,
  type ParkedEvent,
  type ProcessorObserver,
  type StoredEvent,
  type Subscription,
} from '@vgp/event-store';
import {
  BROADCAST_BUS,
  type BroadcastBus,
  type Consumer,
  InProcessBroadcastBus,
  MESSAGE_BUS,
  type MessageBus,
  startInbox,
  startOutbox,
} from '@vgp/messaging';
import { OBJECT_STORE } from '@vgp/object-store';
import { type ProjectionDefinition, READ_MODEL_STORE, type ReadModelStore, readModelProjection } from '@vgp/read-models';
import { type ContextAdapters } from './context-adapters.js';
import { HealthRegistry } from './health-registry.js';
import { MetricsService } from './metrics.service.js';

/** The context's running projections, for read-your-writes: application code waits on this port, never on a projection class. */
export interface ReadModelFreshness {
  /** Resolves once the named projection (all of them when none is named) has applied every event stored so far. */
  caughtUp(processor?: string): Promise<void>;
}
export const READ_MODEL_FRESHNESS = Symbol('READ_MODEL_FRESHNESS');

/** The context's runtime itself (start order, health), should a context need more than freshness. */
export const CONTEXT_RUNTIME = Symbol('CONTEXT_RUNTIME');

export type ProjectionSpec = {
  definition: ProjectionDefinition;
  onFailure: FailurePolicy;
  onApplied?(event: StoredEvent): Promise<void> | void;
};

export type ContextRuntimeSpec = {
  /** Names the readiness check, logs and metrics. */
  name: string;
  /** Read models, started (and caught up) before anything is served, in this order. */
  projections?: readonly ProjectionSpec[];
  /** Other processors of the store (the audit chain), started after the projections. */
  processors?(observer: ProcessorObserver): readonly EventProcessor[];
  /** Other contexts' integration events, copied into the own store. */
  inbox?: { groupId: string; topics: string[]; accept?(event: IntegrationEvent): boolean };
  /** The context's own integration events, published after every module has started. */
  outbox?: { subscriptionId: string; categories: string[] };
  /** More readiness conditions (e.g. the object store). */
  ready?(): Promise<boolean>;
  /** Runs once everything is started, and before shutdown stops anything (e.g. reactors, WebSocket). */
  started?(): void | Promise<void>;
  stopping?(): void | Promise<void>;
};

type Deps = {
  store: EventStore;
  bus: MessageBus;
  readModels: ReadModelStore;
  health: HealthRegistry;
  metrics: MetricsService;
};

/**
 * The one bootstrap of every context: read models first (a context serves nothing before they hold what
 * is stored), then its other processors and the inbox, readiness registered; the outbox at application
 * bootstrap, after every module's consumers have joined; everything stopped in reverse.
 */
export class ContextRuntime implements ReadModelFreshness, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly processors: EventProcessor[] = [];
  private inbox: Consumer | null = null;
  private outbox: Subscription | null = null;
  private ready = false;

  constructor(
    private readonly spec: ContextRuntimeSpec,
    private readonly deps: Deps,
  ) {
    this.logger = new Logger(`${spec.name}-runtime`);
    const observer = this.observer();
    // What a start costs: a restart that resumes from its checkpoints applies only what came after them.
    const applied = deps.metrics.counter('vgp_processor_applied_events_total', 'Events a projection applied since this process started', [
      'processor',
    ]);
    for (const projection of spec.projections ?? []) {
      const name = projection.definition.name;
      this.processors.push(
        readModelProjection(projection.definition, {
          eventStore: deps.store,
          readModels: deps.readModels,
          onFailure: projection.onFailure,
          onApplied: async (event) => {
            applied.inc({ processor: name });
            await projection.onApplied?.(event);
          },
          observer,
        }),
      );
    }
    this.processors.push(...(spec.processors?.(observer) ?? []));
  }

  async caughtUp(processor?: string): Promise<void> {
    const chosen = processor === undefined ? this.processors : this.processors.filter((p) => p.name === processor);
    if (chosen.length === 0) throw new Error(`${this.spec.name} has no processor ${processor}`);
    await Promise.all(chosen.map((p) => p.caughtUp()));
  }

  /** Every processor's parked events (it skipped them) by processor name. */
  parked(): Record<string, readonly ParkedEvent[]> {
    return Object.fromEntries(this.processors.filter((p) => p.parked.length > 0).map((p) => [p.name, p.parked]));
  }

  async onModuleInit(): Promise<void> {
    const { store, bus, health } = this.deps;
    health.register(this.spec.name, async () => {
      const stopped = this.processors
        .filter((p) => !p.healthy)
        .map((p) => ({ processor: p.name, status: p.status, stoppedAt: p.stoppedAt?.eventId }));
      const parked = Object.entries(this.parked()).map(([processor, events]) => ({ processor, eventIds: events.map((e) => e.eventId) }));
      const up =
        this.ready &&
        stopped.length === 0 &&
        (await store.isHealthy()) &&
        (!this.spec.inbox && !this.spec.outbox ? true : await bus.isHealthy()) &&
        (this.spec.ready ? await this.spec.ready() : true);
      return { up, ...(stopped.length ? { stopped } : {}), ...(parked.length ? { parked } : {}) };
    });
    for (const processor of this.processors) await processor.start();
    if (this.spec.inbox) this.inbox = await startInbox({ store, bus, ...this.spec.inbox });
    this.ready = true;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { store, bus } = this.deps;
    if (this.spec.outbox) this.outbox ??= startOutbox({ store, bus, ...this.spec.outbox, logger: this.logger });
    await this.spec.started?.();
  }

  async onModuleDestroy(): Promise<void> {
    this.ready = false;
    this.deps.health.unregister(this.spec.name);
    await this.spec.stopping?.();
    await this.inbox?.stop();
    this.inbox = null;
    await this.outbox?.stop();
    this.outbox = null;
    // The read-model store is the app's to close, like the event store.
    for (const processor of [...this.processors].reverse()) await processor.stop();
  }

  private observer(): ProcessorObserver {
    const { metrics } = this.deps;
    const failures = metrics.counter('vgp_processor_failures_total', 'Events a projection or processor failed to handle (each try)', [
      'processor',
    ]);
    const parked = metrics.counter('vgp_processor_parked_events_total', 'Events a projection gave up on and skipped', ['processor']);
    const stopped = metrics.gauge('vgp_processor_stopped', '1 while a processor is stopped on an event it cannot handle', ['processor']);
    return {
      failed: (name, event, attempt, error) => {
        failures.inc({ processor: name });
        this.logger.warn(
          `${name}: event ${event.id} (${event.type}, position ${event.position}) failed on try ${attempt}: ${error instanceof Error ? error.name : typeof error}`,
        );
      },
      parked: (name, event) => {
        parked.inc({ processor: name });
        this.logger.error(
          `${name}: parked event ${event.eventId} (${event.type}, position ${event.position}) after repeated failures; the read model lacks it`,
        );
      },
      stopped: (name, event) => {
        stopped.set({ processor: name }, 1);
        this.logger.error(
          `${name}: stopped at event ${event.eventId} (${event.type}, position ${event.position}); nothing after it is applied until it is fixed`,
        );
      },
    };
  }
}

export type ContextRuntimeOptions<Args extends unknown[]> = {
  /** Further providers the spec is built from, in the order of `spec`'s parameters. */
  inject?: NonNullable<FactoryProvider['inject']>;
  spec(...args: Args): ContextRuntimeSpec;
};

/**
 * The providers every context module lists: its adapters (its own event store, the bus, the broadcast bus, its
 * own read-model store, the object store when it keeps media) and its runtime.
 */
export function contextProviders<Args extends unknown[]>(adapters: ContextAdapters, runtime: ContextRuntimeOptions<Args>): Provider[] {
  return [
    { provide: EVENT_STORE, useValue: adapters.eventStore },
    { provide: MESSAGE_BUS, useValue: adapters.bus },
    // One process needs no broker to reach its own sockets; a distributed app hands over the Kafka one.
    { provide: BROADCAST_BUS, useFactory: (): BroadcastBus => adapters.broadcast ?? new InProcessBroadcastBus() },
    ...(adapters.objectStore ? [{ provide: OBJECT_STORE, useValue: adapters.objectStore }] : []),
    { provide: READ_MODEL_STORE, useValue: adapters.readModels },
    {
      provide: CONTEXT_RUNTIME,
      useFactory: (
        store: EventStore,
        bus: MessageBus,
        readModels: ReadModelStore,
        health: HealthRegistry,
        metrics: MetricsService,
        ...args: Args
      ) => new ContextRuntime(runtime.spec(...args), { store, bus, readModels, health, metrics }),
      inject: [EVENT_STORE, MESSAGE_BUS, READ_MODEL_STORE, HealthRegistry, MetricsService, ...(runtime.inject ?? [])],
    },
    { provide: READ_MODEL_FRESHNESS, useExisting: CONTEXT_RUNTIME },
  ];
}
