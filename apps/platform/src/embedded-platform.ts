import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditModule } from '@vgp/audit';
import { BookingModule } from '@vgp/booking';
import { type EventStore, SqliteEventStore } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { FsObjectStore } from '@vgp/object-store';
import { type ReadModelStore, SqliteReadModelStore } from '@vgp/read-models';
import { AppConfig, createHttpApp, listen, PlatformModule } from '@vgp/platform';
import { RecordingModule } from '@vgp/recording';
import { ReplayAccessModule } from '@vgp/replay-access';
import { SignallingModule } from '@vgp/signalling';
import { seedDemoClinic } from './demo-clinic.seed.js';

const CONTEXTS = ['booking', 'signalling', 'recording', 'replay-access', 'audit'] as const;
type ContextName = (typeof CONTEXTS)[number];

export type EmbeddedAdapters = {
  stores: Record<ContextName, EventStore>;
  /** Each context's read models, kept with their checkpoints: a restart resumes instead of replaying history. */
  readModels: Record<ContextName, ReadModelStore>;
  bus: InProcessMessageBus;
  objects: FsObjectStore;
};

/** Two SQLite files per context under DATA_DIR (events, read models): contexts share no database, even in one process. */
export const embeddedAdapters = (dataDir: string): EmbeddedAdapters => {
  mkdirSync(dataDir, { recursive: true });
  const stores = Object.fromEntries(
    CONTEXTS.map((name) => [name, new SqliteEventStore({ path: join(dataDir, `${name}.events.sqlite`) })]),
  ) as unknown as Record<ContextName, EventStore>;
  const readModels = Object.fromEntries(
    CONTEXTS.map((name) => [name, new SqliteReadModelStore({ path: join(dataDir, `${name}.read-models.sqlite`) })]),
  ) as unknown as Record<ContextName, ReadModelStore>;
  return {
    stores,
    readModels,
    bus: new InProcessMessageBus({ holdUntilStarted: true }),
    objects: new FsObjectStore({ root: join(dataDir, 'objects') }),
  };
};

@Module({})
export class EmbeddedPlatformModule {
  static forRoot(adapters: EmbeddedAdapters): DynamicModule {
    const { stores, readModels, bus, objects } = adapters;
    return {
      module: EmbeddedPlatformModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'platform' }),
        BookingModule.forRoot({ eventStore: stores.booking, readModels: readModels.booking, bus }),
        SignallingModule.forRoot({ eventStore: stores.signalling, readModels: readModels.signalling, bus }),
        RecordingModule.forRoot({ eventStore: stores.recording, readModels: readModels.recording, bus, objectStore: objects }),
        ReplayAccessModule.forRoot({
          eventStore: stores['replay-access'],
          readModels: readModels['replay-access'],
          bus,
          objectStore: objects,
        }),
        AuditModule.forRoot({ eventStore: stores.audit, readModels: readModels.audit, bus }),
      ],
    };
  }
}

export type RunningPlatform = {
  app: NestFastifyApplication;
  url: string;
  adapters: EmbeddedAdapters;
  close(): Promise<void>;
};

/** Boots all five contexts in one process on the embedded adapters; seeds the demo clinic when asked. */
export async function startEmbeddedPlatform(options: { dataDir: string; seed: boolean }): Promise<RunningPlatform> {
  const adapters = embeddedAdapters(options.dataDir);
  const app = await createHttpApp(EmbeddedPlatformModule.forRoot(adapters), { serviceName: 'platform' });
  const url = await listen(app);
  // Every context's consumers have joined by now: let the outboxes' publishes through.
  adapters.bus.start();
  if (options.seed) {
    const config = app.get(AppConfig);
    await seedDemoClinic(
      {
        booking: adapters.stores.booking,
        signalling: adapters.stores.signalling,
        recording: adapters.stores.recording,
        objects: adapters.objects,
      },
      { softwareVersion: config.get('SOFTWARE_VERSION'), featureFlags: config.get('FEATURE_FLAGS') },
    );
  }
  return {
    app,
    url,
    adapters,
    close: async () => {
      await app.close();
      await adapters.bus.close();
      await Promise.all(Object.values(adapters.stores).map((s) => s.close()));
      await Promise.all(Object.values(adapters.readModels).map((s) => s.close()));
    },
  };
}
