import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditModule } from '@vgp/audit';
import { BookingModule } from '@vgp/booking';
import { type EventStore, SqliteEventStore } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { FsObjectStore } from '@vgp/object-store';
import { AppConfig, createHttpApp, listen, PlatformModule } from '@vgp/platform';
import { RecordingModule } from '@vgp/recording';
import { ReplayAccessModule } from '@vgp/replay-access';
import { SignallingModule } from '@vgp/signalling';
import { seedDemoClinic } from './demo-clinic.seed.js';

const CONTEXTS = ['booking', 'signalling', 'recording', 'replay-access', 'audit'] as const;
type ContextName = (typeof CONTEXTS)[number];

export type EmbeddedAdapters = {
  stores: Record<ContextName, EventStore>;
  bus: InProcessMessageBus;
  objects: FsObjectStore;
};

/** One SQLite file per context under DATA_DIR: contexts share no database, even in one process. */
export const embeddedAdapters = (dataDir: string): EmbeddedAdapters => {
  mkdirSync(dataDir, { recursive: true });
  const stores = Object.fromEntries(
    CONTEXTS.map((name) => [name, new SqliteEventStore({ path: join(dataDir, `${name}.events.sqlite`) })]),
  ) as unknown as Record<ContextName, EventStore>;
  return {
    stores,
    bus: new InProcessMessageBus({ holdUntilStarted: true }),
    objects: new FsObjectStore({ root: join(dataDir, 'objects') }),
  };
};

@Module({})
export class EmbeddedPlatformModule {
  static forRoot(adapters: EmbeddedAdapters): DynamicModule {
    const { stores, bus, objects } = adapters;
    return {
      module: EmbeddedPlatformModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'platform' }),
        BookingModule.forRoot({ eventStore: stores.booking, bus }),
        SignallingModule.forRoot({ eventStore: stores.signalling, bus }),
        RecordingModule.forRoot({ eventStore: stores.recording, bus, objectStore: objects }),
        ReplayAccessModule.forRoot({ eventStore: stores['replay-access'], bus, objectStore: objects }),
        AuditModule.forRoot({ eventStore: stores.audit, bus }),
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
    },
  };
}
