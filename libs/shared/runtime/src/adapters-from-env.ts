import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type ReadModelStore, SqliteReadModelStore } from '@vgp/read-models';
import { MongooseReadModelStore } from '@vgp/read-models/mongoose';
import { type EventStore, SqliteEventStore } from '@vgp/event-store';
import { EsdbEventStore } from '@vgp/event-store/esdb';
import { migratePostgresEventStore, PostgresEventStore } from '@vgp/event-store/postgres';
import { type MessageBus } from '@vgp/messaging';
import { KafkaBroadcastBus, KafkaMessageBus } from '@vgp/messaging/kafka';
import { FsObjectStore, type ObjectStore } from '@vgp/object-store';
import { S3ObjectStore } from '@vgp/object-store/s3';
import { configFragment, type ContextAdapters, type Environment, parseConfig } from '@vgp/platform';
import { NamespacedMessageBus } from './namespaced-message-bus.js';

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

const brokerList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'has an entry that is not host:port')).min(1, 'names no broker'));

const bool = z.enum(['true', 'false'], { error: 'must be true or false' });

const serviceEnvSchema = z
  .object({
    DATA_DIR: z.string().min(1).default('./data'),
    KAFKA_BROKERS: brokerList,
    KAFKA_NAMESPACE: z.string().regex(NAME, 'has invalid characters').optional(),
    EVENTSTORE_URL: z
      .string()
      .regex(/^((kurrentdb|esdb)(\+discover)?|postgres(ql)?):\/\/\S+$/, 'is not a postgres://, kurrentdb:// or esdb:// connection string')
      .optional(),
    EVENTSTORE_MIGRATION_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'is not a postgres:// connection string')
      .optional(),
    EVENTSTORE_STREAM_PREFIX: z.string().regex(NAME, 'has invalid characters').optional(),
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'is not a mongodb:// connection string')
      .optional(),
    MONGO_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'is not a database name')
      .optional(),
    S3_ENDPOINT: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'is not an http(s) URL')
      .optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not an S3 bucket name')
      .optional(),
    S3_REGION: z
      .string()
      .regex(/^[a-z0-9-]{1,50}$/, 'is not a region name')
      .default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool.default('false'),
    S3_SSE: z.enum(['AES256', 'aws:kms', 'none'], { error: 'is not a known server-side encryption' }).default('AES256'),
    S3_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, 'is not a key prefix')
      .refine((p) => !p.split('/').some((segment) => segment === '.' || segment === '..'), 'is not a key prefix')
      .optional(),
  })
  .superRefine((env, ctx) => {
    const s3Named = (['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_KEY_PREFIX'] as const).filter(
      (k) => env[k] !== undefined,
    );
    if (s3Named.length > 0 && !env.S3_BUCKET) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_BUCKET'],
        message: `is required when ${s3Named.join(', ')} ${s3Named.length > 1 ? 'are' : 'is'} set`,
      });
    }
    if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
      const missing = env.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'must be set together with its pair (or both left unset for the SDK’s default credentials)',
      });
    }
  });

export type ServiceEnv = z.output<typeof serviceEnvSchema>;

/** What each variable accepts, quoted in boot errors so the operator knows what to fix. */
export const SERVICE_VARIABLES: Record<keyof ServiceEnv, string> = {
  DATA_DIR: 'a folder for this service’s own SQLite event store (and local objects when S3 is not set)',
  KAFKA_BROKERS: 'a comma list of host:port, e.g. kafka-1:9092,kafka-2:9092 (distributed services talk only over Kafka)',
  KAFKA_NAMESPACE: 'up to 100 of [A-Za-z0-9._-]: prefixes every topic and consumer group, so deployments can share a cluster',
  EVENTSTORE_URL:
    'the production event store: postgres://app-role@host/db (ADR 0021), or a KurrentDB connection string such as kurrentdb://eventstore:2113?tls=false (unset: SQLite under DATA_DIR)',
  EVENTSTORE_MIGRATION_URL:
    'postgres://owner@host/db: a role that may create the service’s schema; set, the service migrates it at boot and grants EVENTSTORE_URL’s role INSERT and SELECT only',
  EVENTSTORE_STREAM_PREFIX: 'up to 100 of [A-Za-z0-9._-] (default: the service name): this service’s streams on a shared server',
  MONGO_URL:
    'a MongoDB connection string, e.g. mongodb://mongo:27017 (unset: read models in SQLite under DATA_DIR, resumed from their checkpoints)',
  MONGO_DB: 'this service’s own database, up to 63 of [A-Za-z0-9_-] (default: vgp_<service>, prefixed by KAFKA_NAMESPACE)',
  S3_ENDPOINT: 'an http(s) URL of an S3-compatible server (unset: AWS S3)',
  S3_BUCKET: 'an S3 bucket name (3-63 of a-z 0-9 . -); setting it selects S3 for recordings',
  S3_REGION: 'a region name, e.g. eu-west-2 (default us-east-1)',
  S3_ACCESS_KEY_ID: 'an access key id, set together with S3_SECRET_ACCESS_KEY',
  S3_SECRET_ACCESS_KEY: 'a secret access key, set together with S3_ACCESS_KEY_ID',
  S3_FORCE_PATH_STYLE: 'true | false (default false; true for MinIO, versitygw and most S3-compatible servers)',
  S3_SSE: 'AES256 | aws:kms | none (default AES256; none for servers without server-side encryption)',
  S3_KEY_PREFIX: 'a key prefix such as env/recordings/ (segments of [A-Za-z0-9._-] separated by /)',
};

// Values never echoed back in an error message (a connection string may carry a password).
const SECRETS: ReadonlySet<string> = new Set([
  'S3_SECRET_ACCESS_KEY',
  'S3_ACCESS_KEY_ID',
  'EVENTSTORE_URL',
  'EVENTSTORE_MIGRATION_URL',
  'MONGO_URL',
]);

/** The adapters' fragment of the configuration (distributed services only). */
export const SERVICE_CONFIG = configFragment<ServiceEnv>({
  name: 'service',
  variables: Object.fromEntries(
    Object.entries(SERVICE_VARIABLES).map(([name, accepts]) => [name, { default: '', accepts, secret: SECRETS.has(name) }]),
  ),
  schema: serviceEnvSchema,
});

/** Parses and checks the service's variables; throws ConfigValidationError naming each bad one and what it accepts. */
export const parseServiceEnv = (env: Environment = process.env): ServiceEnv => parseConfig(SERVICE_CONFIG, env);

export type ServiceAdapterOptions = {
  /** Only recording and replay-access keep media; the others get no object store. */
  objectStore?: boolean;
};

// Read models come from readModelsFrom, once the service's configuration is known.
export type ServiceAdapters = Omit<ContextAdapters, 'readModels'> & {
  /** The parsed configuration the adapters were chosen from. */
  config: ServiceEnv;
  /** Runs before the service starts: the event store's schema migration, when it has one to run. */
  prepare(): Promise<void>;
  /** One line per adapter, for the boot log (no secrets). */
  description: string[];
  /** Choices that are valid for a developer but not for a deployment. */
  warnings: string[];
  close(): Promise<void>;
};

/**
 * The adapters of one distributed service, chosen from the environment: PostgreSQL (its own schema) or KurrentDB
 * when EVENTSTORE_URL is set, else its own SQLite file under DATA_DIR; Kafka for the bus (required); S3 when S3_BUCKET is set, else a local
 * folder under DATA_DIR (valid only when every service that reads the objects runs on the same host).
 */
export function adaptersFromEnv(service: string, env: Environment = process.env, options: ServiceAdapterOptions = {}): ServiceAdapters {
  const config = parseServiceEnv(env);
  const description: string[] = [];
  const warnings: string[] = [];
  const dataDir = resolve(config.DATA_DIR);
  const needsDataDir = !config.EVENTSTORE_URL || (options.objectStore !== false && !config.S3_BUCKET);
  if (needsDataDir) mkdirSync(dataDir, { recursive: true });

  let eventStore: EventStore;
  let prepare = async (): Promise<void> => undefined;
  if (config.EVENTSTORE_URL && isPostgresUrl(config.EVENTSTORE_URL)) {
    const schema = postgresSchemaOf(service, config);
    const connectionString = config.EVENTSTORE_URL;
    eventStore = new PostgresEventStore({ connectionString, schema });
    description.push(`event store: PostgreSQL, schema ${schema}${config.EVENTSTORE_MIGRATION_URL ? ' (migrated at boot)' : ''}`);
    const migrationUrl = config.EVENTSTORE_MIGRATION_URL;
    if (migrationUrl) {
      prepare = () => migratePostgresEventStore({ connectionString: migrationUrl, schema, appRole: roleOf(connectionString) });
    }
  } else if (config.EVENTSTORE_URL) {
    const namespace = config.EVENTSTORE_STREAM_PREFIX ?? service;
    eventStore = new EsdbEventStore({ connectionString: config.EVENTSTORE_URL, namespace });
    description.push(`event store: KurrentDB, streams under '${namespace}.'`);
  } else {
    const path = join(dataDir, `${service}.events.sqlite`);
    eventStore = new SqliteEventStore({ path });
    description.push(`event store: SQLite ${path}`);
  }

  const kafka = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS, clientId: `vgp-${service}` });
  const bus: MessageBus = config.KAFKA_NAMESPACE ? new NamespacedMessageBus(kafka, config.KAFKA_NAMESPACE) : kafka;
  // Ephemeral fan-out between a service's replicas (signalling's frames), on the same cluster and namespace.
  const broadcast = new KafkaBroadcastBus({
    brokers: config.KAFKA_BROKERS,
    clientId: `vgp-${service}-broadcast`,
    prefix: config.KAFKA_NAMESPACE ? `${config.KAFKA_NAMESPACE}.` : '',
  });
  description.push(
    `bus: Kafka ${config.KAFKA_BROKERS.join(',')}${config.KAFKA_NAMESPACE ? `, topics and groups under '${config.KAFKA_NAMESPACE}.'` : ''}`,
  );

  let objectStore: ObjectStore | undefined;
  let s3: S3ObjectStore | undefined;
  if (options.objectStore !== false) {
    if (config.S3_BUCKET) {
      const keyPrefix = config.S3_KEY_PREFIX ? config.S3_KEY_PREFIX.replace(/\/?$/, '/') : undefined;
      s3 = new S3ObjectStore({
        bucket: config.S3_BUCKET,
        keyPrefix,
        serverSideEncryption: config.S3_SSE === 'none' ? false : config.S3_SSE,
        client: {
          region: config.S3_REGION,
          endpoint: config.S3_ENDPOINT,
          forcePathStyle: config.S3_FORCE_PATH_STYLE === 'true',
          credentials:
            config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
              : undefined,
        },
      });
      objectStore = s3;
      description.push(
        `objects: S3 bucket ${config.S3_BUCKET}${keyPrefix ? `/${keyPrefix}` : ''} at ${config.S3_ENDPOINT ?? `AWS ${config.S3_REGION}`}`,
      );
    } else {
      const root = join(dataDir, 'objects');
      objectStore = new FsObjectStore({ root });
      description.push(`objects: local folder ${root}`);
      warnings.push(
        `objects are kept in the local folder ${root}: valid only when recording and replay-access run on this host with the same DATA_DIR; set S3_BUCKET (and S3_ENDPOINT) for a deployment`,
      );
    }
  }

  return {
    config,
    prepare,
    eventStore,
    bus,
    broadcast,
    objectStore,
    description,
    warnings,
    close: async () => {
      await Promise.allSettled([bus.close(), broadcast.close()]);
      await Promise.allSettled([eventStore.close()]);
      s3?.close();
    },
  };
}

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** The role a postgres:// URL connects as: the one the migration grants INSERT and SELECT to. */
const roleOf = (url: string): string | undefined => decodeURIComponent(new URL(url).username) || undefined;

/** The service's own schema: EVENTSTORE_STREAM_PREFIX, or the service under the deployment's namespace, as [a-z0-9_]. */
export const postgresSchemaOf = (service: string, config: Pick<ServiceEnv, 'EVENTSTORE_STREAM_PREFIX' | 'KAFKA_NAMESPACE'>): string => {
  const full = (config.EVENTSTORE_STREAM_PREFIX ?? [config.KAFKA_NAMESPACE, service].filter(Boolean).join('_'))
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const name = /^[0-9]/.test(full) ? `s${full}` : full;
  // Schema names hold 40 characters here: a longer one keeps its start and a hash of the whole, so two never meet.
  return name.length <= 40 ? name : `${name.slice(0, 31)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
};

/** The service's own MongoDB database name: MONGO_DB, or vgp_<service> under the deployment's namespace. */
export const mongoDbNameOf = (service: string, config: Pick<ServiceEnv, 'MONGO_DB' | 'KAFKA_NAMESPACE'>): string =>
  config.MONGO_DB ??
  [config.KAFKA_NAMESPACE, 'vgp', service]
    .filter(Boolean)
    .join('_')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 63);

/**
 * The service's read models: MongoDB when MONGO_URL is set (one database per service), otherwise its own
 * SQLite file under DATA_DIR, which keeps the projections' checkpoints so a restart resumes instead of replaying.
 */
export async function readModelsFrom(
  service: string,
  config: Pick<ServiceEnv, 'MONGO_URL' | 'MONGO_DB' | 'KAFKA_NAMESPACE' | 'DATA_DIR'>,
): Promise<{ store: ReadModelStore; description: string }> {
  if (!config.MONGO_URL) {
    const dataDir = resolve(config.DATA_DIR);
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, `${service}.read-models.sqlite`);
    return { store: new SqliteReadModelStore({ path }), description: `read models: SQLite ${path}` };
  }
  const dbName = mongoDbNameOf(service, config);
  const store = await MongooseReadModelStore.connect({ url: config.MONGO_URL, dbName });
  return { store, description: `read models: MongoDB database ${dbName}` };
}
