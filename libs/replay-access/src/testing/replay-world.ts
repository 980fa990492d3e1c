import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ConsultationEventData, type MediaMode, type RecordingEventData, TOPICS } from '@vgp/contracts';
import { type EventStore, EventStoreUnavailable, SqliteEventStore, type StoredEvent, WrongExpectedRevision } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { FsObjectStore } from '@vgp/object-store';
import { CLOCK, READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { anIntegrationEvent, type Answer, ContextTestApp } from '@vgp/testing';
import { ReplayAccessModule } from '../replay-access.module.js';

export const SOFTWARE_VERSION = 'replay-it-7.3.1';
export const FEATURE_FLAGS = ['media-switch', 'replay-v2'];
export const GRANT_TTL_SECONDS = 60;

/**
 * The world's store as an app sees it: appends can be made to fail as a full disk or a lost primary would
 * (nothing is written), or to lose to another writer every time, and closing it is the world's, so apps
 * can come and go on one history.
 */
class SwitchableStore {
  failAppends = false;
  /** Streams whose appends always find another writer got in first. */
  contended: RegExp | null = null;
  readonly store: EventStore;

  constructor(inner: EventStore) {
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property === 'close') return async () => undefined;
        if (property === 'append' && this.failAppends) {
          return async () => {
            throw new EventStoreUnavailable('append failed: simulated outage');
          };
        }
        if (property === 'append' && this.contended) {
          const contended = this.contended;
          return async (streamId: string, ...rest: Parameters<EventStore['append']> extends [string, ...infer R] ? R : never) => {
            if (contended.test(streamId)) throw new WrongExpectedRevision(streamId, rest[1], 'no_stream');
            return target.append(streamId, ...rest);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

/** The world outside the context: the shared bus, the object store, one event store file and a clock. */
export class ReplayWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'vgp-replay-'));
  readonly bus = new InProcessMessageBus();
  readonly objects = new FsObjectStore({ root: join(this.dir, 'objects') });
  readonly sqlite = new SqliteEventStore({
    path: join(this.dir, 'replay-access.events.sqlite'),
    synchronous: 'NORMAL',
    pollIntervalMs: 20,
  });
  readonly switchable = new SwitchableStore(this.sqlite);
  readonly clock = { now: new Date() };

  /** The context on the real HTTP edge, over this world; `env` are its variables at boot. */
  start(env: Record<string, string> = {}): Promise<ContextTestApp> {
    return ContextTestApp.start({
      serviceName: 'replay-access-service',
      context: (adapters) => ReplayAccessModule.forRoot(adapters),
      env: { SOFTWARE_VERSION, FEATURE_FLAGS: FEATURE_FLAGS.join(','), REPLAY_GRANT_TTL_SECONDS: String(GRANT_TTL_SECONDS), ...env },
      eventStore: () => this.switchable.store,
      bus: this.bus,
      objectStore: this.objects,
      override: (builder) => builder.overrideProvider(CLOCK).useValue(() => this.clock.now),
    });
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.sqlite.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** As the booking context would publish it. */
  async book(c: { consultationId: string; clinicId: string; patientId: string; clinicianId: string; mode?: MediaMode }): Promise<void> {
    const data: ConsultationEventData['ConsultationBooked'] = {
      ...c,
      startsAt: this.clock.now.toISOString(),
      durationMinutes: 20,
      mode: c.mode ?? 'audio',
    };
    const event = anIntegrationEvent('ConsultationBooked', data, {
      occurredAt: this.clock.now.toISOString(),
      actor: { id: 'admin-ada', role: 'clinic_admin' },
      softwareVersion: 'other-context-1.0.0',
    });
    await this.bus.publish(TOPICS.consultation, [{ key: c.consultationId, event }]);
  }

  /** Stores the media and publishes the recording as the recording context would, bound to its consultation. */
  async record(
    r: Omit<RecordingEventData['RecordingStored'], 'bytes' | 'sha256' | 'objectKey' | 'uploadedBy' | 'recordedAt' | 'contentType'>,
    media: Buffer,
  ): Promise<void> {
    const contentType = `${r.mode}/webm`;
    const objectKey = `recordings/${r.clinicId}/${r.consultationId}/${r.callId}/${r.recordingId}`;
    const stored = await this.objects.put(objectKey, Readable.from([media]), { contentType });
    const data: RecordingEventData['RecordingStored'] = {
      ...r,
      contentType,
      bytes: stored.bytes,
      sha256: stored.sha256,
      objectKey,
      uploadedBy: r.clinicianId,
      recordedAt: new Date(this.clock.now.getTime() + r.segmentSeq * 60_000).toISOString(),
    };
    const event = anIntegrationEvent('RecordingStored', data, {
      occurredAt: this.clock.now.toISOString(),
      actor: { id: r.clinicianId, role: 'clinician' },
      softwareVersion: 'other-context-1.0.0',
    });
    await this.bus.publish(TOPICS.recording, [{ key: r.consultationId, event }]);
  }

  /** The events of one stream as the store holds them right now. */
  events(streamId: string): Promise<StoredEvent[]> {
    return this.sqlite.readStream(streamId);
  }
}

/** After publishing on the bus: the inbox has stored the events; wait until the read models hold them. */
export const settled = (app: ContextTestApp): Promise<void> => app.get<ReadModelFreshness>(READ_MODEL_FRESHNESS).caughtUp();

/** A GET from another client address (the probe limiter counts per address), through the same edge. */
export const getFrom = (app: ContextTestApp, remoteAddress: string, url: string, headers: Record<string, string> = {}): Promise<Answer> =>
  app.request('GET', url, { headers, remoteAddress });

/** A problem body without the members that differ per request. */
export const problemShape = (answer: Answer): Record<string, unknown> => {
  const { instance: _instance, correlationId: _correlationId, ...rest } = answer.body as Record<string, unknown>;
  return rest;
};

/** Deterministic, recognisable media so a test can tell whose bytes were sent. */
export const mediaOf = (label: string, size = 4096): Buffer => {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = (label.charCodeAt(i % label.length) + i) & 0xff;
  buffer.write(`${label}|`, 0);
  return buffer;
};
