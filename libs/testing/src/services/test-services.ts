import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where integration tests find their real servers, chosen by TEST_SERVICES:
 * - `local` (default): the servers `tools/services/up` started, read from .cache/services/endpoints.json;
 * - `containers`: testcontainers starts them (needs Docker; not available on every machine);
 * - `external`: already running somewhere, named by env (KAFKA_BROKERS, S3_*, MONGO_URL, EVENTSTORE_URL,
 *   POSTGRES_URL for a role that may create schemas and POSTGRES_APP_URL for a role with no more than LOGIN).
 */
export type TestServicesMode = 'local' | 'containers' | 'external';

export type KafkaEndpoint = { brokers: string[] };
export type S3Endpoint = {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  /** False for servers without SSE-S3 (versitygw, MinIO without KMS). */
  serverSideEncryption: boolean;
};
export type MongoEndpoint = { url: string };
export type EventStoreEndpoint = { url: string };
/**
 * One PostgreSQL database and two roles: the owner runs migrations (creates schemas), the application role is
 * what the event store connects as (granted SELECT/INSERT on events by the migration, nothing more).
 */
export type PostgresEndpoint = { ownerUrl: string; appUrl: string; appRole: string };

export type Availability = { available: true } | { available: false; reason: string };

export interface TestServices {
  readonly mode: TestServicesMode;
  kafka(): Promise<KafkaEndpoint>;
  s3(): Promise<S3Endpoint>;
  mongo(): Promise<MongoEndpoint>;
  eventStore(): Promise<EventStoreEndpoint>;
  postgres(): Promise<PostgresEndpoint>;
  /** Stops what this process started (containers); a no-op for local and external servers. */
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const ENDPOINTS_FILE = join(ROOT, '.cache', 'services', 'endpoints.json');

export const testServicesMode = (): TestServicesMode => {
  const mode = process.env.TEST_SERVICES ?? 'local';
  if (mode !== 'local' && mode !== 'containers' && mode !== 'external') {
    throw new Error(`TEST_SERVICES=${mode}: expected local, containers or external`);
  }
  return mode;
};

/**
 * Whether an EventStoreDB/KurrentDB server can be had, decided synchronously so a suite can
 * `describe.skip` with the reason in its title. No local runner exists for it (no Docker here).
 */
export const eventStoreAvailability = (): Availability => {
  if (process.env.EVENTSTORE_URL) return { available: true };
  if (testServicesMode() === 'containers') return { available: true };
  return { available: false, reason: 'no EVENTSTORE_URL and no Docker' };
};

let shared: TestServices | undefined;

/** The services of this test process (one per Jest worker file); call `stop()` in afterAll. */
export const testServices = (): TestServices => {
  if (!shared) {
    const mode = testServicesMode();
    shared = mode === 'local' ? localServices() : mode === 'external' ? externalServices() : containerServices();
    const stop = shared.stop.bind(shared);
    shared = Object.assign(shared, {
      stop: async () => {
        shared = undefined;
        await stop();
      },
    });
  }
  return shared;
};

// --- local: tools/services/up --------------------------------------------------------------------------------

type EndpointsFile = { kafka?: KafkaEndpoint; s3?: S3Endpoint; mongo?: MongoEndpoint; postgres?: PostgresEndpoint };

function localServices(): TestServices {
  const read = <K extends keyof EndpointsFile>(service: K): NonNullable<EndpointsFile[K]> => {
    if (!existsSync(ENDPOINTS_FILE)) {
      throw new Error(
        `No local test servers: ${ENDPOINTS_FILE} is missing. Run \`tools/services/up\` first ` +
          `(or set TEST_SERVICES=containers where Docker runs, or TEST_SERVICES=external with the servers' env).`,
      );
    }
    const endpoints = JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as EndpointsFile;
    const endpoint = endpoints[service];
    if (!endpoint) throw new Error(`The local ${service} server is not running: run \`tools/services/up ${service}\`.`);
    return endpoint as NonNullable<EndpointsFile[K]>;
  };
  return {
    mode: 'local',
    kafka: async () => read('kafka'),
    s3: async () => read('s3'),
    mongo: async () => read('mongo'),
    eventStore: async () => fromEnvEventStore('local'),
    postgres: async () => read('postgres'),
    stop: async () => undefined,
  };
}

// --- external: env -------------------------------------------------------------------------------------------

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`TEST_SERVICES=external needs ${name}`);
  return value;
};

const fromEnvEventStore = (mode: TestServicesMode): EventStoreEndpoint => {
  const url = process.env.EVENTSTORE_URL;
  if (!url) throw new Error(`TEST_SERVICES=${mode}: no EventStoreDB (set EVENTSTORE_URL, e.g. kurrentdb://127.0.0.1:2113?tls=false)`);
  return { url };
};

function externalServices(): TestServices {
  return {
    mode: 'external',
    kafka: async () => ({
      brokers: required('KAFKA_BROKERS')
        .split(',')
        .map((b) => b.trim()),
    }),
    s3: async () => ({
      endpoint: required('S3_ENDPOINT'),
      accessKey: required('S3_ACCESS_KEY'),
      secretKey: required('S3_SECRET_KEY'),
      region: process.env.S3_REGION ?? 'us-east-1',
      bucket: required('S3_BUCKET'),
      forcePathStyle: process.env.S3_FORCE_PATH_STYLE !== 'false',
      serverSideEncryption: (process.env.S3_SSE ?? 'none') !== 'none',
    }),
    mongo: async () => ({ url: required('MONGO_URL') }),
    eventStore: async () => fromEnvEventStore('external'),
    postgres: async () => {
      const appUrl = required('POSTGRES_APP_URL');
      return { ownerUrl: required('POSTGRES_URL'), appUrl, appRole: decodeURIComponent(new URL(appUrl).username) };
    },
    stop: async () => undefined,
  };
}

// --- containers: testcontainers (where Docker runs) ----------------------------------------------------------

// Images pinned; override by env to follow a production upgrade.
const IMAGES = {
  kafka: process.env.KAFKA_IMAGE ?? 'apache/kafka:3.9.1',
  mongo: process.env.MONGO_IMAGE ?? 'mongo:7.0',
  eventStore: process.env.EVENTSTORE_IMAGE ?? 'kurrentplatform/kurrentdb:25.1',
  minio: process.env.MINIO_IMAGE ?? 'minio/minio:RELEASE.2025-04-22T22-12-26Z',
  postgres: process.env.POSTGRES_IMAGE ?? 'postgres:18',
};

function containerServices(): TestServices {
  // Loaded lazily: local and external runs never touch Docker.
  const tc = () => import('testcontainers');
  type Started = import('testcontainers').StartedTestContainer;
  const started: Started[] = [];
  const once = <T>(start: () => Promise<T>) => {
    let promise: Promise<T> | undefined;
    return () => (promise ??= start());
  };
  const track = (container: Started) => (started.push(container), container);

  const kafka = once(async (): Promise<KafkaEndpoint> => {
    const { GenericContainer, Wait, RandomPortGenerator, getContainerRuntimeClient } = await tc();
    // Kafka advertises the address clients must dial, so the host port is chosen before the start.
    const hostPort = await new RandomPortGenerator().generatePort();
    const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
    const container = track(
      await new GenericContainer(IMAGES.kafka)
        .withExposedPorts({ container: 19092, host: hostPort })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:19092,CONTROLLER://:19093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:19093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_MIN_INSYNC_REPLICAS: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(120_000)
        .start(),
    );
    return { brokers: [`${container.getHost()}:${hostPort}`] };
  });

  const mongo = once(async (): Promise<MongoEndpoint> => {
    const { GenericContainer, Wait } = await tc();
    const container = track(
      await new GenericContainer(IMAGES.mongo)
        .withExposedPorts(27017)
        .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
        .start(),
    );
    return { url: `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true` };
  });

  const eventStore = once(async (): Promise<EventStoreEndpoint> => {
    if (process.env.EVENTSTORE_URL) return { url: process.env.EVENTSTORE_URL };
    const { GenericContainer, Wait } = await tc();
    const container = track(
      await new GenericContainer(IMAGES.eventStore)
        .withExposedPorts(2113)
        .withEnvironment({
          KURRENTDB_INSECURE: 'true',
          KURRENTDB_MEM_DB: 'true',
          KURRENTDB_RUN_PROJECTIONS: 'None',
          KURRENTDB_TELEMETRY_OPTOUT: 'true',
        })
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((s) => s >= 200 && s < 300))
        .withStartupTimeout(120_000)
        .start(),
    );
    return { url: `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false` };
  });

  const s3 = once(async (): Promise<S3Endpoint> => {
    const { GenericContainer, Wait } = await tc();
    const accessKey = 'vgptest';
    const secretKey = `vgptest-${randomUUID()}`;
    const container = track(
      await new GenericContainer(IMAGES.minio)
        .withCommand(['server', '/data'])
        .withEnvironment({ MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey })
        .withExposedPorts(9000)
        .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
        .start(),
    );
    const endpoint: S3Endpoint = {
      endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
      accessKey,
      secretKey,
      region: 'us-east-1',
      bucket: 'vgp-test',
      forcePathStyle: true,
      serverSideEncryption: false,
    };
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: endpoint.endpoint,
      region: endpoint.region,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: endpoint.bucket }));
    client.destroy();
    return endpoint;
  });

  // The superuser owns the test database; an application role with LOGIN only is made beside it.
  const postgres = once(async (): Promise<PostgresEndpoint> => {
    const { GenericContainer, Wait } = await tc();
    const password = `vgp-${randomUUID()}`;
    const appRole = 'vgp_app';
    const appPassword = `vgp-${randomUUID()}`;
    const container = track(
      await new GenericContainer(IMAGES.postgres)
        .withEnvironment({ POSTGRES_PASSWORD: password, POSTGRES_DB: 'vgp' })
        .withExposedPorts(5432)
        // The entrypoint starts a temporary server for its init scripts first; the second "ready" is the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(120_000)
        .start(),
    );
    const address = `${container.getHost()}:${container.getMappedPort(5432)}/vgp`;
    const ownerUrl = `postgres://postgres:${encodeURIComponent(password)}@${address}`;
    const { Client } = await import('pg');
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query(`CREATE ROLE ${appRole} LOGIN PASSWORD ${client.escapeLiteral(appPassword)}`);
    } finally {
      await client.end();
    }
    return { ownerUrl, appUrl: `postgres://${appRole}:${encodeURIComponent(appPassword)}@${address}`, appRole };
  });

  return {
    mode: 'containers',
    kafka,
    s3,
    mongo,
    eventStore,
    postgres,
    stop: async () => {
      await Promise.allSettled(started.splice(0).map((c) => c.stop()));
    },
  };
}
