import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbEventStore } from '@vgp/event-store/esdb';
import { KafkaMessageBus } from '@vgp/messaging/kafka';
import { S3ObjectStore } from '@vgp/object-store/s3';
import { ConfigValidationError } from '@vgp/platform';
import { SqliteReadModelStore } from '@vgp/read-models';
import { adaptersFromEnv, mongoDbNameOf, parseServiceEnv, postgresSchemaOf, readModelsFrom } from './adapters-from-env.js';
import { NamespacedMessageBus } from './namespaced-message-bus.js';

const KAFKA = { KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' };
const S3 = {
  S3_ENDPOINT: 'http://minio:9000',
  S3_BUCKET: 'recordings',
  S3_REGION: 'eu-west-2',
  S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'very-secret-value',
  S3_FORCE_PATH_STYLE: 'true',
  S3_SSE: 'none',
};

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    parseServiceEnv(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('expected the configuration to be refused');
};

describe('a distributed service’s configuration', () => {
  it('refuses to start without Kafka brokers and names the variable and what it accepts', () => {
    expect(() => adaptersFromEnv('booking', { DATA_DIR: '/tmp/x' })).toThrow(ConfigValidationError);
    expect(() => adaptersFromEnv('booking', { DATA_DIR: '/tmp/x' })).toThrow(/KAFKA_BROKERS: .*accepts a comma list of host:port/);
  });

  it('gives each service its own read-model database, under the deployment’s namespace', () => {
    expect(mongoDbNameOf('replay-access', parseServiceEnv({ ...KAFKA }))).toBe('vgp_replay-access');
    expect(mongoDbNameOf('audit', parseServiceEnv({ ...KAFKA, KAFKA_NAMESPACE: 'staging.eu' }))).toBe('staging_eu_vgp_audit');
    expect(mongoDbNameOf('audit', parseServiceEnv({ ...KAFKA, MONGO_DB: 'audit_reads' }))).toBe('audit_reads');
  });

  it('keeps read models in a SQLite file under DATA_DIR without MONGO_URL, and refuses a malformed one without echoing it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vgp-read-models-env-'));
    try {
      const readModels = await readModelsFrom('booking', parseServiceEnv({ ...KAFKA, DATA_DIR: dataDir }));
      expect(readModels.store).toBeInstanceOf(SqliteReadModelStore);
      expect(readModels.description).toBe(`read models: SQLite ${join(dataDir, 'booking.read-models.sqlite')}`);
      await readModels.store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const bad = { ...KAFKA, MONGO_URL: 'http://user:hunter2@mongo' };
    expect(() => parseServiceEnv(bad)).toThrow(/MONGO_URL: is not a mongodb:\/\/ connection string/);
    expect(() => parseServiceEnv(bad)).not.toThrow(/hunter2/);
  });

  it('refuses a malformed broker list', () => {
    expect(() => adaptersFromEnv('booking', { KAFKA_BROKERS: 'http://kafka' })).toThrow(/KAFKA_BROKERS/);
  });

  it.each([
    [{ EVENTSTORE_URL: 'http://eventstore:2113' }, 'EVENTSTORE_URL', /kurrentdb:\/\/ or esdb:\/\//],
    [{ EVENTSTORE_STREAM_PREFIX: 'has space' }, 'EVENTSTORE_STREAM_PREFIX', /\[A-Za-z0-9._-\]/],
    [{ KAFKA_NAMESPACE: 'a/b' }, 'KAFKA_NAMESPACE', /prefixes every topic/],
    [{ ...S3, S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT', /http\(s\) URL/],
    [{ ...S3, S3_BUCKET: 'Not_A_Bucket' }, 'S3_BUCKET', /bucket name/],
    [{ ...S3, S3_REGION: 'EU West' }, 'S3_REGION', /region name/],
    [{ ...S3, S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE', /true \| false/],
    [{ ...S3, S3_SSE: 'aes' }, 'S3_SSE', /AES256 \| aws:kms \| none/],
    [{ ...S3, S3_KEY_PREFIX: '../up' }, 'S3_KEY_PREFIX', /key prefix/],
  ])('refuses %j, naming %s and what it accepts', (bad, variable, accepts) => {
    const problems = problemsOf({ ...KAFKA, ...bad });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
    expect(problems[0]).toMatch(accepts);
  });

  it('asks for a bucket when S3 is half configured, and for both keys or neither', () => {
    const { S3_BUCKET: _bucket, S3_SECRET_ACCESS_KEY: _secret, ...halfS3 } = S3;
    const problems = problemsOf({ ...KAFKA, ...halfS3 });
    expect(problems.map((p) => p.slice(0, p.indexOf(':'))).sort()).toEqual(['S3_BUCKET', 'S3_SECRET_ACCESS_KEY']);
    expect(problems.find((p) => p.startsWith('S3_BUCKET'))).toMatch(/required when S3_ENDPOINT, S3_ACCESS_KEY_ID are set/);
  });

  it('never echoes a secret or a connection string back', () => {
    const problems = problemsOf({ ...KAFKA, EVENTSTORE_URL: 'https://admin:hunter2@es:2113', S3_SECRET_ACCESS_KEY: 'hunter3' });
    const text = problems.join('\n');
    expect(text).toMatch(/EVENTSTORE_URL: .*got a value \(hidden\)/);
    expect(text).not.toMatch(/hunter/);
  });

  it('names every bad variable at once', () => {
    try {
      adaptersFromEnv('audit', { EVENTSTORE_URL: 'nope', S3_SSE: 'x', S3_BUCKET: 'b-1' });
      throw new Error('expected a ConfigValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).variables.sort()).toEqual(['EVENTSTORE_URL', 'KAFKA_BROKERS', 'S3_SSE']);
    }
  });

  it('runs on KurrentDB under the service’s own stream prefix, Kafka and S3 when they are configured', async () => {
    const adapters = adaptersFromEnv('recording', { ...KAFKA, ...S3, EVENTSTORE_URL: 'kurrentdb://es:2113?tls=false' });
    try {
      expect(adapters.eventStore).toBeInstanceOf(EsdbEventStore);
      expect(adapters.bus).toBeInstanceOf(KafkaMessageBus);
      expect(adapters.objectStore).toBeInstanceOf(S3ObjectStore);
      expect(adapters.description.join('\n')).toMatch(/streams under 'recording\.'/);
      expect(adapters.description.join('\n')).toMatch(/S3 bucket recordings at http:\/\/minio:9000/);
      expect(adapters.description.join('\n')).not.toMatch(/very-secret/);
      expect(adapters.warnings).toEqual([]);
    } finally {
      await adapters.close();
    }
  });

  it('puts topics and consumer groups under KAFKA_NAMESPACE, and gives no object store to a service that keeps no media', async () => {
    const adapters = adaptersFromEnv(
      'audit',
      { ...KAFKA, KAFKA_NAMESPACE: 'staging', EVENTSTORE_URL: 'kurrentdb://es:2113?tls=false', EVENTSTORE_STREAM_PREFIX: 'audit-eu' },
      { objectStore: false },
    );
    try {
      expect(adapters.bus).toBeInstanceOf(NamespacedMessageBus);
      expect((adapters.bus as NamespacedMessageBus).namespace).toBe('staging');
      expect(adapters.objectStore).toBeUndefined();
      expect(adapters.description.join('\n')).toMatch(/streams under 'audit-eu\.'/);
    } finally {
      await adapters.close();
    }
  });
});

describe('a distributed service on PostgreSQL', () => {
  const PG = {
    ...KAFKA,
    EVENTSTORE_URL: 'postgres://vgp_app:app-secret@db:5432/vgp',
    EVENTSTORE_MIGRATION_URL: 'postgres://vgp_owner:owner-secret@db:5432/vgp',
  };

  it('keeps its events in a schema of its own under the deployment’s namespace', async () => {
    const adapters = adaptersFromEnv('replay-access', { ...PG, KAFKA_NAMESPACE: 'staging.eu' }, { objectStore: false });
    try {
      expect(adapters.description.join('\n')).toMatch(/event store: PostgreSQL, schema staging_eu_replay_access \(migrated at boot\)/);
      expect(adapters.description.join('\n')).not.toMatch(/secret/);
    } finally {
      await adapters.close();
    }
  });

  it('names schemas that cannot collide, within PostgreSQL’s identifier rules', () => {
    expect(postgresSchemaOf('audit', {})).toBe('audit');
    expect(postgresSchemaOf('booking', { EVENTSTORE_STREAM_PREFIX: '2026-Clinic' })).toBe('s2026_clinic');
    const long = (service: string) => postgresSchemaOf(service, { KAFKA_NAMESPACE: 'e2e-consultation-flow-0123456789abcdef' });
    expect(long('replay-access')).toMatch(/^[a-z_][a-z0-9_]{0,39}$/);
    expect(long('replay-access')).not.toBe(long('recording'));
  });

  it('refuses a migration URL that is not PostgreSQL, without echoing it', () => {
    const bad = { ...PG, EVENTSTORE_MIGRATION_URL: 'mysql://root:hunter2@db' };
    expect(() => parseServiceEnv(bad)).toThrow(/EVENTSTORE_MIGRATION_URL: is not a postgres:\/\/ connection string/);
    expect(() => parseServiceEnv(bad)).not.toThrow(/hunter2/);
  });
});
