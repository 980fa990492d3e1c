import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { compileServices } from '../build/compile.js';
import { type Gateway, SERVICE_NAMES, type ServiceName, startGateway } from './gateway.js';

export { SERVICE_NAMES, type ServiceName } from './gateway.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** The services are compiled once per process, from the sources as they are now. */
let compiled: Promise<number> | undefined;
export const ENDPOINTS_FILE = join(ROOT, '.cache', 'services', 'endpoints.json');

export type ServiceProcess = {
  readonly name: ServiceName;
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  /** The pid of the running process, or null while it is down. */
  pid(): number | null;
  /** Sends the signal and waits for the process to exit (SIGTERM: SIGKILL after 10 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data, and waits until it is ready. */
  restart(): Promise<void>;
};

export type DistributedPlatform = {
  /** The gateway: the public REST contract and WebSockets on one port. */
  url: string;
  services: Map<ServiceName, ServiceProcess>;
  gateway: Gateway;
  /** Stops the gateway and every service (SIGTERM, then SIGKILL). */
  close(): Promise<void>;
};

export type DistributedOptions = {
  /** Each service keeps its data under `<baseDir>/<service>` and logs to `<baseDir>/<service>.log`. */
  baseDir: string;
  /** Environment for every service (KAFKA_BROKERS, S3_*, JWT_SECRET, ...), over this process's own. */
  env?: Record<string, string>;
  /** The services' ports; 0 or absent picks free ones. */
  servicePorts?: Partial<Record<ServiceName, number>>;
  /** The gateway's port (0: a free one). */
  port?: number;
  host?: string;
  /** How long one service may take to answer /health/ready. */
  readyTimeoutMs?: number;
  /** Tries per service start: one that crashes while booting is started again (default 5). */
  startAttempts?: number;
  /** Each line a service prints; it is also always appended to its log file. */
  onOutput?: (service: ServiceName, line: string) => void;
};

/** What tools/services/up wrote: the local Kafka, S3 and MongoDB (FerretDB) servers. */
type Endpoints = {
  kafka?: { brokers: string[] };
  postgres?: { ownerUrl: string; appUrl: string; appRole: string };
  mongo?: { url: string };
  s3?: {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    region: string;
    bucket: string;
    forcePathStyle: boolean;
    serverSideEncryption: boolean;
  };
};

/**
 * The services' environment for the servers `tools/services/up` runs (Kafka, S3, MongoDB, PostgreSQL), read from
 * its endpoints file; throws with what to run when they are not up. Each service keeps its events in a schema of
 * its own on the PostgreSQL (ADR 0021), migrated at boot with the owner role, written with the INSERT-only role.
 */
export function localServicesEnv(file = ENDPOINTS_FILE): Record<string, string> {
  const missing = (what: string) =>
    new Error(`${what}: run \`tools/services/up\` first (it writes ${file}); \`tools/services/status\` shows what runs.`);
  if (!existsSync(file)) throw missing('No local Kafka, S3, MongoDB and PostgreSQL servers');
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  if (!endpoints.kafka) throw missing('The local Kafka is not running');
  if (!endpoints.s3) throw missing('The local S3 server is not running');
  if (!endpoints.mongo) throw missing('The local MongoDB (FerretDB) is not running');
  if (!endpoints.postgres) throw missing('The local PostgreSQL is not running');
  const { s3 } = endpoints;
  return {
    KAFKA_BROKERS: endpoints.kafka.brokers.join(','),
    MONGO_URL: endpoints.mongo.url,
    EVENTSTORE_URL: endpoints.postgres.appUrl,
    EVENTSTORE_MIGRATION_URL: endpoints.postgres.ownerUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKey,
    S3_SECRET_ACCESS_KEY: s3.secretKey,
    S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
    S3_SSE: s3.serverSideEncryption ? 'AES256' : 'none',
  };
}

/** A dev-only HS256 secret, new for each run, shared by the five services so any of them verifies any token. */
export const devJwtSecret = (): string => randomBytes(32).toString('base64url');

export const freePort = (host = '127.0.0.1'): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });

// Children still running when this process exits (a crash, an unhandled Ctrl-C) are killed with it.
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Boots the five services as child processes, each on its own port and data folder, and the gateway in front. */
export async function startDistributedPlatform(options: DistributedOptions): Promise<DistributedPlatform> {
  const host = options.host ?? '127.0.0.1';
  const baseDir = resolve(options.baseDir);
  mkdirSync(baseDir, { recursive: true });
  const ports = Object.fromEntries(
    await Promise.all(SERVICE_NAMES.map(async (name) => [name, options.servicePorts?.[name] || (await freePort(host))] as const)),
  ) as Record<ServiceName, number>;
  const services = new Map<ServiceName, ManagedService>();
  for (const name of SERVICE_NAMES) {
    services.set(name, new ManagedService(name, host, ports[name], baseDir, options));
  }
  let gateway: Gateway | undefined;
  const close = async () => {
    await gateway?.close();
    await Promise.allSettled([...services.values()].map((s) => s.kill('SIGTERM')));
    await Promise.all([...services.values()].map((s) => s.closeLog()));
  };
  try {
    // All at once: each waits for its own readiness; Kafka groups read from the earliest offset when new.
    await Promise.all([...services.values()].map((s) => s.restart()));
    gateway = await startGateway({
      upstreams: Object.fromEntries([...services].map(([name, service]) => [name, service.url])) as Record<ServiceName, string>,
      port: options.port ?? 0,
      host,
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { url: gateway.url, services: services as Map<ServiceName, ServiceProcess>, gateway, close };
}

/**
 * One more process of a service beside (or without) a platform: a second replica, for failover tests. `replica`
 * names its log and data folder (`<baseDir>/<service>-<replica>`); it is ready when this resolves.
 */
export async function startServiceReplica(
  name: ServiceName,
  replica: string,
  options: DistributedOptions,
): Promise<ServiceProcess & { closeLog(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const baseDir = resolve(options.baseDir);
  mkdirSync(baseDir, { recursive: true });
  const service = new ManagedService(
    name,
    host,
    options.servicePorts?.[name] || (await freePort(host)),
    baseDir,
    options,
    `${name}-${replica}`,
  );
  try {
    await service.restart();
  } catch (error) {
    await service.closeLog();
    throw error;
  }
  return service;
}

/** One service as a child process; also one replica of a service, given a base folder of its own. */
export class ManagedService implements ServiceProcess {
  readonly url: string;
  readonly logFile: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log: WriteStream;

  constructor(
    readonly name: ServiceName,
    private readonly host: string,
    readonly port: number,
    private readonly baseDir: string,
    private readonly options: DistributedOptions,
    /** Names the log file and data folder: the service's name unless several replicas share a base folder. */
    private readonly instance: string = name,
  ) {
    this.url = `http://${host}:${port}`;
    this.logFile = join(baseDir, `${instance}.log`);
    this.log = createWriteStream(this.logFile, { flags: 'a' });
  }

  closeLog(): Promise<void> {
    return new Promise((done) => this.log.end(() => done()));
  }

  pid(): number | null {
    return this.child?.pid ?? null;
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const forced = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(forced);
  }

  async restart(): Promise<void> {
    if (this.child) await this.kill('SIGTERM');
    const attempts = this.options.startAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.startOnce();
      if (!failure) return;
      // Like an orchestrator's restart policy: a service that crashes while booting (e.g. Kafka still
      // electing leaders for topics another service just created) gets a few more tries.
      if (!failure.exited || attempt >= attempts) throw new Error(failure.message);
      this.log.write(`=== ${this.name} crashed while starting (attempt ${attempt} of ${attempts}); starting it again ===\n`);
      this.options.onOutput?.(this.name, `crashed while starting (attempt ${attempt} of ${attempts}); starting it again`);
      await sleep(1_000);
    }
  }

  /** Spawns the service and waits for /health/ready; answers why it failed, or null when it is ready. */
  private async startOnce(): Promise<{ exited: boolean; message: string } | null> {
    await (compiled ??= compileServices(DIST));
    const dataDir = join(this.baseDir, this.instance);
    mkdirSync(dataDir, { recursive: true });
    // The children run what production runs: the compiled JavaScript, with plain Node options.
    const { NODE_OPTIONS: _testRunnerOnly, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--enable-source-maps', join(DIST, 'apps', `${this.name}-service`, 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        ...inherited,
        LOG_LEVEL: 'info',
        ...this.options.env,
        HOST: this.host,
        PORT: String(this.port),
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    living.add(child);
    this.log.write(`\n=== ${this.name} started pid ${child.pid} at ${new Date().toISOString()} ===\n`);
    let exitCode: string | null = null;
    this.exited = new Promise<void>((done) =>
      child.once('exit', (code, signal) => {
        exitCode = signal ?? String(code);
        living.delete(child);
        if (this.child === child) this.child = null;
        this.log.write(`=== ${this.name} pid ${child.pid} exited (${exitCode}) ===\n`);
        done();
      }),
    );
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        this.options.onOutput?.(this.name, line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);

    const timeout = this.options.readyTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      if (exitCode !== null) {
        await this.exited;
        return {
          exited: true,
          message: `${this.name}-service exited (${exitCode}) before it was ready; see ${this.logFile}:\n${tail.join('\n')}`,
        };
      }
      try {
        const answer = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(3_000) });
        if (answer.ok) return null;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill('SIGKILL');
        return {
          exited: false,
          message: `${this.name}-service was not ready within ${timeout} ms; see ${this.logFile}:\n${tail.join('\n')}`,
        };
      }
      await sleep(250);
    }
  }
}
