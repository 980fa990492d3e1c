import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SqliteEventStore } from '@vgp/event-store';
import { KafkaMessageBus } from '@vgp/messaging/kafka';
import { FsObjectStore } from '@vgp/object-store';
import { ContextAdapters } from '@vgp/platform';

const brokerList = z
  .string()
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)).min(1));

const serviceEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  KAFKA_BROKERS: brokerList,
});

export class ServiceConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid service configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ServiceConfigError';
  }
}

const ACCEPTS: Record<string, string> = {
  DATA_DIR: 'a folder for this service’s own event store file',
  KAFKA_BROKERS: 'a comma list of host:port, e.g. kafka-1:9092,kafka-2:9092 (distributed services talk only over Kafka)',
};

/**
 * The adapters of one distributed service, chosen from the environment: its own SQLite event store under
 * DATA_DIR, Kafka for the bus, and a filesystem object store unless S3 is configured.
 */
export function adaptersFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): ContextAdapters {
  const parsed = serviceEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ServiceConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}: ${i.message}; accepts ${ACCEPTS[name] ?? 'see README'}`;
      }),
    );
  }
  const { DATA_DIR, KAFKA_BROKERS } = parsed.data;
  mkdirSync(DATA_DIR, { recursive: true });
  return {
    eventStore: new SqliteEventStore({ path: join(DATA_DIR, `${service}.events.sqlite`) }),
    bus: new KafkaMessageBus({ brokers: KAFKA_BROKERS, clientId: `vgp-${service}` }),
    objectStore: new FsObjectStore({ root: join(DATA_DIR, 'objects') }),
  };
}
