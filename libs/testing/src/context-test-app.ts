import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamicModule } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { TokenIssuer } from '@vgp/auth';
import type { Role } from '@vgp/contracts';
import { type EventStore, SqliteEventStore, type StoredEvent } from '@vgp/event-store';
import { InProcessMessageBus, type MessageBus } from '@vgp/messaging';
import { FsObjectStore, type ObjectStore } from '@vgp/object-store';
import { type ContextAdapters, createTestingHttpApp, PlatformModule } from '@vgp/platform';
import { type ReadModelStore, SqliteReadModelStore } from '@vgp/read-models';

/** What an HTTP call answered; `body` is parsed JSON when the answer was JSON. */
export type Answer = {
  status: number;
  headers: Record<string, string | number | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever shape the API answered
  body: any;
  text: string;
  bytes: Buffer;
};

export type ContextRequest = {
  /** A bearer token (see `token()`). */
  as?: string;
  body?: unknown;
  /** Sent as is, with this content type, instead of JSON. */
  raw?: { contentType: string; data: Buffer | string };
  headers?: Record<string, string>;
  /** The client's address (per-address limits); 127.0.0.1 otherwise. */
  remoteAddress?: string;
};

export type ContextTestAppOptions = {
  serviceName: string;
  /** The context's module, given the adapters. */
  context(adapters: ContextAdapters): DynamicModule;
  /** Platform variables (NODE_ENV=test and LOG_LEVEL=silent are set unless given). */
  env?: Record<string, string>;
  /** Defaults to a fresh SQLite store in the app's temporary folder. */
  eventStore?(dir: string): EventStore;
  bus?: MessageBus;
  /** True: a local-folder object store in the app's temporary folder. */
  objectStore?: ObjectStore | true;
  /** Defaults to a SQLite read-model store in the app's temporary folder (closed with the app). */
  readModels?: ReadModelStore;
  /** Provider overrides (a clock, a failing adapter). */
  override?(builder: TestingModuleBuilder): TestingModuleBuilder;
};

/**
 * One context on the real HTTP edge (Fastify, the platform's filter, pipes and auth), over a real SQLite
 * store in a temporary folder: the one bootstrap of every context's int-specs.
 */
export class ContextTestApp {
  private readonly tokens = new Map<string, string>();

  private constructor(
    readonly app: NestFastifyApplication,
    readonly dir: string,
    readonly eventStore: EventStore,
    readonly bus: MessageBus,
    readonly objectStore: ObjectStore | undefined,
    readonly readModels: ReadModelStore,
    private readonly ownsBus: boolean,
    private readonly ownsReadModels: boolean,
  ) {}

  static async start(options: ContextTestAppOptions): Promise<ContextTestApp> {
    const dir = mkdtempSync(join(tmpdir(), `vgp-${options.serviceName}-`));
    const eventStore = options.eventStore?.(dir) ?? new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    const bus = options.bus ?? new InProcessMessageBus();
    const objectStore = options.objectStore === true ? new FsObjectStore({ root: join(dir, 'objects') }) : options.objectStore;
    const readModels = options.readModels ?? new SqliteReadModelStore({ path: join(dir, 'read-models.sqlite') });
    const ownsReadModels = options.readModels === undefined;
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env };
    let builder = Test.createTestingModule({
      imports: [
        PlatformModule.forRoot({ serviceName: options.serviceName, env }),
        options.context({ eventStore, bus, objectStore, readModels }),
      ],
    });
    if (options.override) builder = options.override(builder);
    let app: NestFastifyApplication | undefined;
    try {
      app = createTestingHttpApp(await builder.compile());
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    } catch (error) {
      // A context that fails to boot (a bad variable) leaves nothing behind.
      await app?.close().catch(() => undefined);
      await eventStore.close();
      if (ownsReadModels) await readModels.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new ContextTestApp(app, dir, eventStore, bus, objectStore, readModels, options.bus === undefined, ownsReadModels);
  }

  get<T>(token: string | symbol | (abstract new (...args: never[]) => T)): T {
    return this.app.get<T>(token as never);
  }

  /** A signed token for the caller (cached per caller). */
  async token(sub: string, roles: Role | Role[], clinicId = 'clinic-1'): Promise<string> {
    const list = Array.isArray(roles) ? roles : [roles];
    const key = `${sub}|${list.join(',')}|${clinicId}`;
    const token = this.tokens.get(key) ?? (await this.app.get(TokenIssuer).issue({ sub, roles: list, clinicId }));
    this.tokens.set(key, token);
    return token;
  }

  /** One request through Fastify's inject: the whole edge, no socket. */
  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS',
    url: string,
    request: ContextRequest = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.as) headers.authorization = `Bearer ${request.as}`;
    let payload: string | Buffer | undefined;
    if (request.raw) {
      headers['content-type'] = request.raw.contentType;
      payload = request.raw.data;
    } else if (request.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    }
    const res = await this.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        headers,
        ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}),
        ...(payload === undefined ? {} : { payload }),
      });
    const bytes = res.rawPayload;
    const text = bytes.toString('utf8');
    const json = /json/.test(String(res.headers['content-type'] ?? '')) && text !== '';
    return { status: res.statusCode, headers: res.headers, body: json ? JSON.parse(text) : text || undefined, text, bytes };
  }

  /** Events of the context's own store, in global order, optionally of one stream category. */
  async stored(category?: string): Promise<StoredEvent[]> {
    return this.eventStore.readAll(category ? { categories: [category] } : {});
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.ownsBus) await this.bus.close();
    await this.eventStore.close();
    if (this.ownsReadModels) await this.readModels.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
