import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TokenIssuer } from '@vgp/auth';
import { ConsultationEventData, EventEnvelope, MediaMode, RecordingEventData, Role, TOPICS } from '@vgp/contracts';
import { EventStore, EventStoreUnavailable, SqliteEventStore, StoredEvent } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { FsObjectStore } from '@vgp/object-store';
import { createTestingHttpApp, PlatformModule } from '@vgp/platform';
import { REPLAY_CLOCK } from '../application/replay-access.settings';
import { ReplayAccessProjection } from '../infrastructure/replay-access.projection';
import { ReplayAccessModule } from '../replay-access.module';

export const SOFTWARE_VERSION = 'replay-it-7.3.1';
export const FEATURE_FLAGS = ['media-switch', 'replay-v2'];
export const GRANT_TTL_SECONDS = 60;

/** A store whose appends can be made to fail as a full disk or a lost primary would: nothing is written. */
export class SwitchableStore {
  failAppends = false;
  readonly store: EventStore;

  constructor(readonly inner: EventStore) {
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property === 'append' && this.failAppends) {
          return async () => {
            throw new EventStoreUnavailable('append failed: simulated outage');
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

/** The world outside the context: the shared bus, the object store and one event store file. */
export class ReplayWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'vgp-replay-'));
  readonly bus = new InProcessMessageBus();
  readonly objects = new FsObjectStore({ root: join(this.dir, 'objects') });
  readonly sqlite = new SqliteEventStore({ path: join(this.dir, 'replay-access.events.sqlite'), synchronous: 'NORMAL' });
  readonly switchable = new SwitchableStore(this.sqlite);
  readonly clock = { now: new Date() };

  async close(): Promise<void> {
    await this.bus.close();
    await this.sqlite.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  envelope<T extends string, D>(type: T, streamId: string, data: D, actor: EventEnvelope['actor']): EventEnvelope<T, D> {
    return {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      streamId,
      revision: 0,
      occurredAt: this.clock.now.toISOString(),
      correlationId: randomUUID(),
      causationId: null,
      actor,
      softwareVersion: 'other-context-1.0.0',
      featureFlags: ['media-switch'],
      data,
    };
  }

  /** As the booking context would publish it. */
  async book(c: { consultationId: string; clinicId: string; patientId: string; clinicianId: string; mode?: MediaMode }): Promise<void> {
    const data: ConsultationEventData['ConsultationBooked'] = {
      ...c,
      startsAt: this.clock.now.toISOString(),
      durationMinutes: 20,
      mode: c.mode ?? 'audio',
    };
    const event = this.envelope('ConsultationBooked', `consultation-${c.consultationId}`, data, { id: 'admin-ada', role: 'clinic_admin' });
    await this.bus.publish(TOPICS.consultation, [{ key: c.consultationId, event: event as never }]);
  }

  /** Stores the media and publishes the recording as the recording context would, bound to its consultation. */
  async record(r: Omit<RecordingEventData['RecordingStored'], 'bytes' | 'sha256' | 'objectKey' | 'uploadedBy' | 'recordedAt' | 'contentType'>, media: Buffer): Promise<void> {
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
    const event = this.envelope('RecordingStored', `recording-${r.recordingId}`, data, { id: r.clinicianId, role: 'clinician' });
    await this.bus.publish(TOPICS.recording, [{ key: r.consultationId, event: event as never }]);
  }

  /** The events of one stream as the store holds them right now. */
  events(streamId: string): Promise<StoredEvent[]> {
    return this.sqlite.readStream(streamId);
  }
}

export type HttpAnswer = { status: number; headers: Headers; text: string; bytes: Buffer; json: () => Record<string, unknown> };

/** A real Nest Fastify app of the context on a real port, with the platform edge (auth, validation, problems). */
export class ReplayAccessTestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
  ) {}

  static async start(world: ReplayWorld, env: Record<string, string> = {}): Promise<ReplayAccessTestApp> {
    // The context reads these from the process environment at boot, as in production.
    const saved = Object.fromEntries(PROCESS_VARIABLES.map((name) => [name, process.env[name]]));
    for (const name of PROCESS_VARIABLES) process.env[name] = env[name] ?? '';
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PlatformModule.forRoot({
            serviceName: 'replay-access-service',
            env: {
              NODE_ENV: 'test',
              LOG_LEVEL: 'silent',
              SOFTWARE_VERSION,
              FEATURE_FLAGS: FEATURE_FLAGS.join(','),
              REPLAY_GRANT_TTL_SECONDS: String(GRANT_TTL_SECONDS),
              ...env,
            },
          }),
          ReplayAccessModule.forRoot({ eventStore: world.switchable.store, bus: world.bus, objectStore: world.objects }),
        ],
      })
        .overrideProvider(REPLAY_CLOCK)
        .useValue(() => world.clock.now)
        .compile();
      const app = createTestingHttpApp(moduleRef, { swagger: true });
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return new ReplayAccessTestApp(app, `http://127.0.0.1:${port}`);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  token(sub: string, roles: Role[], clinicId: string): Promise<string> {
    return this.app.get(TokenIssuer).issue({ sub, roles, clinicId });
  }

  /** After publishing on the bus: the inbox has stored the events; wait until the read models hold them. */
  settled(): Promise<void> {
    return this.app.get(ReplayAccessProjection).caughtUp();
  }

  /** `from`: a loopback source address (127.0.0.2, …) so a test can act as several clients. */
  async request(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; from?: string } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.from) return requestFrom(options.from, method, new URL(path, this.url), headers, options.body);
    const response = await fetch(new URL(path, this.url), { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    return { status: response.status, headers: response.headers, text, bytes, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

const PROCESS_VARIABLES = ['REPLAY_KILL_SWITCH', 'REPLAY_PROBE_LIMIT', 'REPLAY_PROBE_WINDOW_SECONDS'];

/** fetch cannot choose its source address; node:http can. */
const requestFrom = (localAddress: string, method: string, url: URL, headers: Record<string, string>, body: unknown): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        resolve({ status: res.statusCode ?? 0, headers: answerHeaders, text, bytes, json: () => JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });

/** A problem body without the members that differ per request. */
export const problemShape = (answer: HttpAnswer): Record<string, unknown> => {
  const { instance: _instance, correlationId: _correlationId, ...rest } = answer.json();
  return rest;
};

/** Deterministic, recognisable media so a test can tell whose bytes were sent. */
export const mediaOf = (label: string, size = 4096): Buffer => {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = (label.charCodeAt(i % label.length) + i) & 0xff;
  buffer.write(`${label}|`, 0);
  return buffer;
};
