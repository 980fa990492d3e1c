import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import type { EventMetadata } from '@vgp/contracts';
import { type FailurePolicy } from '@vgp/event-store';
import { type ProjectionDefinition, projectionHandler } from '@vgp/read-models';
import { ContextTestApp } from '@vgp/testing';
import { type ContextAdapters } from './context-adapters.js';
import { contextProviders, READ_MODEL_FRESHNESS, type ReadModelFreshness } from './context-runtime.js';

type Noted = { type: 'Noted' | 'Poison'; data: { id: string } };
const notes: ProjectionDefinition = {
  name: 'notes',
  categories: ['note'],
  handlers: [
    projectionHandler<{ id: string }, Noted>({
      collection: 'notes',
      canHandle: ['Noted', 'Poison'],
      keyOf: (e) => e.data.id,
      evolve: (_doc, e) => {
        if (e.type === 'Poison') throw new Error('this fold has a bug');
        return { id: e.data.id };
      },
    }),
  ],
};

const contextWith = (onFailure: FailurePolicy) => {
  @Module({})
  class NotesModule {
    static forRoot(adapters: ContextAdapters): DynamicModule {
      return {
        module: NotesModule,
        providers: [...contextProviders(adapters, { spec: () => ({ name: 'notes', projections: [{ definition: notes, onFailure }] }) })],
      };
    }
  }
  return NotesModule;
};

const metadata: EventMetadata = {
  actor: { id: 'u', role: 'system' },
  correlationId: 'c',
  causationId: null,
  softwareVersion: '1',
  featureFlags: [],
};

describe('the one context runtime', () => {
  let app: ContextTestApp;
  afterEach(() => app?.close());

  const start = async (onFailure: FailurePolicy) => {
    app = await ContextTestApp.start({ serviceName: 'notes', context: (adapters) => contextWith(onFailure).forRoot(adapters) });
    return app;
  };
  const note = (type: Noted['type']) =>
    app.eventStore.append(`note-${randomUUID()}`, [{ id: randomUUID(), type, data: { id: randomUUID() }, metadata }], 'any');

  it('reports a parked event by id in readiness and metrics, and keeps serving', async () => {
    await start('park');
    await note('Noted');
    const [poisoned] = [await note('Poison')];
    await note('Noted');
    await app.get<ReadModelFreshness>(READ_MODEL_FRESHNESS).caughtUp();
    const stored = await app.stored('note');
    const poisonId = stored.find((e) => e.position === poisoned.position)?.id;

    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.notes).toMatchObject({ status: 'up', parked: [{ processor: 'notes', eventIds: [poisonId] }] });
    const metrics = await app.request('GET', '/metrics');
    expect(metrics.text).toMatch(/vgp_processor_parked_events_total\{[^}]*processor="notes"[^}]*\} 1/);
  });

  it('fails readiness when a processor under the stop policy halts, and readers get a 503-kind refusal instead of hanging', async () => {
    await start('stop');
    await note('Poison');
    const freshness = app.get<ReadModelFreshness>(READ_MODEL_FRESHNESS);
    await expect(freshness.caughtUp()).rejects.toMatchObject({ code: 'read-model-unavailable', kind: 'unavailable' });
    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toContain('"stopped"');
  });
});
