// Readiness probes for tools/services/up: `node probe.mjs <kafka|s3|mongo> --pid N --timeout S`.
// Polls until the server answers a real request (not just an open port), fails fast if its process died,
// and for s3 creates the test bucket. Exit 0 = ready, 1 = not ready (reason on stderr).
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

const probes = { kafka, s3, mongo };
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
