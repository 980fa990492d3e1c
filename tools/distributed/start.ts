import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { devJwtSecret, localServicesEnv, ROOT, SERVICE_NAMES, startDistributedPlatform } from './platform.js';

/**
 * `npm run start:distributed`: the local Kafka, S3, MongoDB and PostgreSQL servers, the five services as their own processes
 * (ports 3101..3105, data under ./data/distributed/<service>), and the dev gateway on PORT (default 3000).
 */
async function main() {
  execFileSync(join(ROOT, 'tools', 'services', 'up'), ['kafka', 's3', 'mongo', 'postgres'], { stdio: 'inherit' });
  const baseDir = join(ROOT, 'data', 'distributed');
  const port = Number(process.env.PORT ?? 3000);
  const base = Number(process.env.SERVICES_BASE_PORT ?? 3101);
  const servicePorts = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, base + i]));
  const env: Record<string, string> = {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    ...localServicesEnv(),
    // The topics and consumer groups of this dev platform; the test servers' other users keep theirs.
    KAFKA_NAMESPACE: process.env.KAFKA_NAMESPACE ?? 'vgp-dev',
    S3_KEY_PREFIX: process.env.S3_KEY_PREFIX ?? 'distributed-dev/',
    JWT_SECRET: process.env.JWT_SECRET ?? devJwtSecret(),
  };
  const width = Math.max(...SERVICE_NAMES.map((n) => n.length));
  console.log(`Starting ${SERVICE_NAMES.join(', ')} (logs in ${baseDir}/<service>.log) ...`);
  const platform = await startDistributedPlatform({
    baseDir,
    env,
    servicePorts,
    port,
    onOutput: process.env.QUIET ? undefined : (service, line) => console.log(`[${service.padEnd(width)}] ${line}`),
  });
  const { url } = platform;
  console.log(`
Virtual-GP consultation platform (distributed mode) is running at ${url}
${[...platform.services.values()].map((s) => `  ${s.name.padEnd(width)}  ${s.url}  (docs ${s.url}/docs)`).join('\n')}
  gateway        ${url}  (health ${url}/health/ready)
Kafka ${env.KAFKA_BROKERS} (topics under '${env.KAFKA_NAMESPACE}.'), S3 ${env.S3_ENDPOINT}/${env.S3_BUCKET}/${env.S3_KEY_PREFIX}
The dev JWT secret is new for this run: tokens from an earlier run are refused.
  Get a token:  curl -s ${url}/v1/dev/tokens -H 'content-type: application/json' -d '{"sub":"admin-1","roles":["clinic_admin"],"clinicId":"clinic-1"}'
Events in PostgreSQL (a schema per service), read models in MongoDB (FerretDB).
Ctrl-C stops everything (the Kafka, S3, MongoDB and PostgreSQL servers keep running: tools/services/down).
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping the services ...');
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
