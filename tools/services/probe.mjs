// Readiness probes for tools/services/up: `node probe.mjs <kafka|s3|mongo|postgres> --pid N --timeout S`.
// Polls until the server answers a real request (not just an open port), fails fast if its process died,
// for s3 creates the test bucket, and for postgres with --provision creates its database and roles.
// Exit 0 = ready, 1 = not ready (reason on stderr).
import { createRequire } from 'node:module';
import { request } from 'node:http';

const require = createRequire(import.meta.url);
const [service, ...rest] = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i === -1 ? fallback : rest[i + 1];
};
const pid = Number(arg('pid', '0'));
const deadline = Date.now() + Number(arg('timeout', '120')) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const alive = () => {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function kafka() {
  const { Kafka, logLevel } = require('kafkajs');
  const client = new Kafka({
    clientId: 'vgp-services-probe',
    brokers: [arg('brokers')],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = client.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) throw new Error('no controller yet');
    // Listing topics goes through the metadata path the adapters use first.
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function s3() {
  const endpoint = arg('endpoint');
  // Any HTTP answer (an unsigned request gets 403) means the gateway is serving.
  await new Promise((resolve, reject) => {
    const req = request(endpoint, { method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
  const { S3Client, HeadBucketCommand, CreateBucketCommand } = require('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint,
    region: arg('region'),
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY, secretAccessKey: process.env.S3_SECRET_KEY },
    maxAttempts: 1,
  });
  const Bucket = arg('bucket');
  try {
    await client.send(new HeadBucketCommand({ Bucket }));
  } catch (error) {
    if (error?.$metadata?.httpStatusCode !== 404) throw error;
    await client.send(new CreateBucketCommand({ Bucket }));
  } finally {
    client.destroy();
  }
}

async function mongo() {
  const mongoose = require('mongoose');
  const conn = mongoose.createConnection(arg('url'), { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await conn.asPromise();
    await conn.db.admin().ping();
  } finally {
    await conn.close().catch(() => undefined);
  }
}

// PostgreSQL: the superuser answers; with --provision, the database exists, owned by the owner role (which runs
// the event store's migrations), and the application role may connect but owns nothing and creates nothing.
// Passwords come from the environment (PG_{SUPER,OWNER,APP}_PASSWORD), never from the command line.
async function postgres() {
  const { Client } = require('pg');
  const connect = async (database) => {
    const client = new Client({
      host: arg('host'),
      port: Number(arg('port')),
      user: 'postgres',
      password: process.env.PG_SUPER_PASSWORD,
      database,
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const admin = await connect('postgres');
  try {
    await admin.query('SELECT 1');
    if (!rest.includes('--provision')) return;
    const [database, owner, app] = [arg('database'), arg('owner'), arg('app')];
    const ident = (name) => admin.escapeIdentifier(name);
    const roles = [
      [owner, process.env.PG_OWNER_PASSWORD],
      [app, process.env.PG_APP_PASSWORD],
    ];
    for (const [role, password] of roles) {
      if (!password) throw new Error(`no password for role ${role} in the environment`);
      const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (rowCount === 0) await admin.query(`CREATE ROLE ${ident(role)}`);
      await admin.query(
        `ALTER ROLE ${ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
          `PASSWORD ${admin.escapeLiteral(password)}`,
      );
    }
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(owner)} ENCODING 'UTF8'`);
    await admin.query(`REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(app)}`);
    const db = await connect(database);
    try {
      await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    } finally {
      await db.end().catch(() => undefined);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

const probes = { kafka, s3, mongo, postgres };
if (!probes[service]) {
  console.error(`unknown service ${service}`);
  process.exit(2);
}

let last = 'not tried';
for (;;) {
  if (!alive()) {
    console.error(`${service}: its process ${pid} exited (last probe error: ${last})`);
    process.exit(1);
  }
  try {
    await probes[service]();
    process.exit(0);
  } catch (error) {
    last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  if (Date.now() > deadline) {
    console.error(`${service}: not ready in time (last probe error: ${last})`);
    process.exit(1);
  }
  await sleep(500);
}
