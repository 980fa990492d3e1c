import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { Client } from 'pg';
import { postgresSchemaOf } from '@vgp/runtime';
import { PlatformClient } from '@vgp/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite drives the dev tool itself
import {
  type DistributedPlatform,
  devJwtSecret,
  localServicesEnv,
  type ServiceName,
  type ServiceProcess,
  startDistributedPlatform,
} from '../../../../tools/distributed/platform.js';

export type DistributedTestPlatform = {
  client: PlatformClient;
  url: string;
  softwareVersion: string;
  baseDir: string;
  platform: DistributedPlatform;
  service(name: ServiceName): ServiceProcess;
  /** This run's MongoDB databases (one per service), each with its collections' document counts. */
  readModelDatabases(): Promise<Record<string, Record<string, number>>>;
  /** A query over one service's own event store (its PostgreSQL schema's `events` table), read beside the running service. */
  queryEvents<Row>(service: ServiceName, where: string, params: unknown[]): Promise<Row[]>;
  /** Stops every process, deletes this run's Kafka topics, and removes its data (kept when the run failed and KEEP_E2E_DATA=1). */
  close(): Promise<void>;
};

const reachable = (hostPort: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });

/**
 * The local Kafka and S3 servers' settings, checked to answer: a clear failure instead of five services timing
 * out when `tools/services/up kafka s3 mongo` was not run.
 */
export async function localServers(): Promise<Record<string, string>> {
  const env = localServicesEnv();
  const s3 = new URL(env.S3_ENDPOINT);
  for (const [what, address] of [
    ['Kafka', env.KAFKA_BROKERS.split(',')[0]],
    ['S3', `${s3.hostname}:${s3.port || 80}`],
    ['MongoDB', new URL(env.MONGO_URL).host],
    ['PostgreSQL', new URL(env.EVENTSTORE_URL).host],
  ] as const) {
    if (!(await reachable(address))) {
      throw new Error(
        `The local ${what} server (${address}) is not answering: run \`tools/services/up kafka s3 mongo\` (and \`tools/services/status\`).`,
      );
    }
  }
  return env;
}

/**
 * The five services as child processes behind the dev gateway, on the local S3 and on Kafka (the shared local
 * one unless `env.KAFKA_BROKERS` names another), with topics, consumer groups and object keys of this run only.
 */
export async function startDistributedTestPlatform(name: string, env: Record<string, string> = {}): Promise<DistributedTestPlatform> {
  const servers = await localServers();
  const run = `e2e-${name}-${randomUUID().slice(0, 8)}`;
  const baseDir = mkdtempSync(join(tmpdir(), `vgp-${run}-`));
  const softwareVersion = `e2e-dist-${process.pid}`;
  const kafkaBrokers = env.KAFKA_BROKERS ?? servers.KAFKA_BROKERS;
  const platform = await startDistributedPlatform({
    baseDir,
    readyTimeoutMs: 120_000,
    env: {
      ...servers,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SOFTWARE_VERSION: softwareVersion,
      JWT_SECRET: devJwtSecret(),
      KAFKA_NAMESPACE: run,
      S3_KEY_PREFIX: `e2e/${run}/`,
      ...env,
    },
  });
  let closed = false;
  return {
    client: new PlatformClient(platform.url),
    url: platform.url,
    softwareVersion,
    baseDir,
    platform,
    service: (service) => {
      const found = platform.services.get(service);
      if (!found) throw new Error(`no service ${service}`);
      return found;
    },
    readModelDatabases: () => countMongoDocuments(servers.MONGO_URL, `${run}_`),
    queryEvents: <Row>(service: ServiceName, where: string, params: unknown[]) =>
      withPostgres(servers.EVENTSTORE_MIGRATION_URL, async (db) => {
        const schema = postgresSchemaOf(service, { KAFKA_NAMESPACE: run });
        return (await db.query(`SELECT * FROM ${schema}.events WHERE ${where} ORDER BY position`, params)).rows as Row[];
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await platform.close();
      await deleteKafkaNamespace(kafkaBrokers, `${run}.`).catch(() => undefined);
      await dropMongoDatabases(servers.MONGO_URL, `${run}_`).catch(() => undefined);
      await dropEventStoreSchemas(servers.EVENTSTORE_MIGRATION_URL, run).catch(() => undefined);
      if (process.env.KEEP_E2E_DATA !== '1') rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** Document counts per collection of the databases whose names start with the prefix. */
async function countMongoDocuments(url: string, prefix: string): Promise<Record<string, Record<string, number>>> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 3_000 }).asPromise();
  try {
    const { databases } = (await connection.db?.admin().listDatabases()) ?? { databases: [] };
    const counts: Record<string, Record<string, number>> = {};
    for (const { name } of databases.filter((d) => d.name.startsWith(prefix))) {
      const db = connection.useDb(name).db;
      if (!db) continue;
      counts[name] = {};
      for (const { name: collection } of await db.listCollections().toArray())
        counts[name][collection] = await db.collection(collection).countDocuments();
    }
    return counts;
  } finally {
    await connection.close();
  }
}

/** This run's read-model databases (one per service, named under the run's namespace). */
export async function dropMongoDatabases(url: string, prefix: string): Promise<void> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 3_000 }).asPromise();
  try {
    const admin = connection.db?.admin();
    const { databases } = (await admin?.listDatabases()) ?? { databases: [] };
    for (const { name } of databases.filter((d) => d.name.startsWith(prefix))) await connection.useDb(name).dropDatabase();
  } finally {
    await connection.close();
  }
}

/** This run's topics (dead-letter topics too) and consumer groups, so repeated runs leave the shared broker as they found it. */
export async function deleteKafkaNamespace(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'vgp-e2e-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const withPostgres = async <T>(url: string, work: (db: Client) => Promise<T>): Promise<T> => {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
};

/** The run's event store schemas (append-only: dropped whole, as the owner, never edited). */
export const dropEventStoreSchemas = (ownerUrl: string, run: string) =>
  withPostgres(ownerUrl, async (db) => {
    for (const service of ['booking', 'signalling', 'recording', 'replay-access', 'audit']) {
      await db.query(`DROP SCHEMA IF EXISTS ${postgresSchemaOf(service, { KAFKA_NAMESPACE: run })} CASCADE`);
    }
  });
