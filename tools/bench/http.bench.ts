import { ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Benchmark, infoRow, now, percentile, row } from './lib.js';

const CONNECTIONS = 32;
const WARMUP_MS = 2_000;
const ROUNDS = 3;
const SLICE_MS = 4_000;
const PATH = '/health/live';

type Server = { url: string; child: ChildProcess; stop(): Promise<void> };

/** Forks tools/bench/http-server.ts and waits for the URL it listens on. */
const startServer = (kind: 'platform' | 'fastify'): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'http-server.ts'), [kind], {
      execArgv: ['--import', '@swc-node/register/esm-register'],
      // LOG_LEVEL at the production default (info); /health/live is not access-logged anyway.
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    const timer = setTimeout(() => fail(new Error(`${kind} server did not start in 30 s: ${stderr}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${kind} server exited with ${code}: ${stderr}`)));
    child.once('message', (message: { url: string }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: message.url,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
          }),
      });
    });
  });

const get = (agent: Agent, url: URL): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: PATH, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

type Load = { requests: number; errors: number; ms: number; latencies: number[] };

/** CONNECTIONS keep-alive connections, each sending its next request as soon as the last answer is read. */
const load = async (agent: Agent, url: URL, ms: number, into: Load | null, onSecond: () => void): Promise<void> => {
  const started = now();
  let lastTick = started;
  const worker = async () => {
    while (now() - started < ms) {
      const t0 = now();
      try {
        const { status } = await get(agent, url);
        if (status !== 200 && into) into.errors++;
      } catch {
        if (into) into.errors++;
      }
      if (into) {
        into.latencies.push(now() - t0);
        into.requests++;
      }
      if (now() - lastTick >= 1000) {
        lastTick = now();
        onSecond();
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  if (into) into.ms += now() - started;
};

export const httpHealth: Benchmark = {
  name: 'http',
  title: 'HTTP edge: GET /health/live (createHttpApp + PlatformModule vs bare Fastify)',
  measures:
    `\`GET ${PATH}\` on an app made by \`createHttpApp\` from a module that imports only \`PlatformModule\` (Nest 11 on Fastify, ` +
    "with the platform's logger, metrics hooks, request-context interceptor, validation pipe, problem filter, auth guard and " +
    'Swagger set up; LOG_LEVEL=info), against a bare Fastify 5 server answering the same JSON body. ' +
    'Each server runs in its own child process; the load generator runs in the bench process with ' +
    `${CONNECTIONS} keep-alive \`node:http\` connections, each sending its next request as soon as the previous answer is read ` +
    `(closed loop). After ${WARMUP_MS / 1000} s of warm-up per server, ${ROUNDS} slices of ${SLICE_MS / 1000} s alternate between the two servers. ` +
    'Latency is per request, as the client sees it.',
  async run(progress) {
    const servers: Server[] = [];
    const agents: Agent[] = [];
    try {
      progress.phase('starting both servers', 2);
      const platform = await startServer('platform');
      servers.push(platform);
      progress.tick();
      const fastify = await startServer('fastify');
      servers.push(fastify);
      progress.tick();
      const targets = { platform, fastify };
      const loads: Record<'platform' | 'fastify', Load> = {
        platform: { requests: 0, errors: 0, ms: 0, latencies: [] },
        fastify: { requests: 0, errors: 0, ms: 0, latencies: [] },
      };
      const agentOf = {
        platform: new Agent({ keepAlive: true, maxSockets: CONNECTIONS }),
        fastify: new Agent({ keepAlive: true, maxSockets: CONNECTIONS }),
      };
      agents.push(agentOf.platform, agentOf.fastify);
      const bodies = await Promise.all(
        (['platform', 'fastify'] as const).map(async (k) => JSON.parse((await get(agentOf[k], new URL(targets[k].url))).body) as unknown),
      );
      if (!isDeepStrictEqual(bodies[0], bodies[1])) throw new Error(`the two servers answer differently: ${JSON.stringify(bodies)}`);
      for (const kind of ['platform', 'fastify'] as const) {
        progress.phase(`warm-up ${kind}`, WARMUP_MS / 1000);
        await load(agentOf[kind], new URL(targets[kind].url), WARMUP_MS, null, () => progress.tick());
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const kind of ['platform', 'fastify'] as const) {
          progress.phase(`${kind}, slice ${round + 1}/${ROUNDS}`, SLICE_MS / 1000);
          await load(agentOf[kind], new URL(targets[kind].url), SLICE_MS, loads[kind], () => progress.tick());
        }
      }
      const rate = (l: Load) => (l.requests / l.ms) * 1000;
      const { platform: p, fastify: f } = loads;
      return {
        tables: [
          {
            title: `${CONNECTIONS} concurrent keep-alive connections`,
            resultLabel: 'createHttpApp + PlatformModule',
            baselineLabel: 'bare Fastify',
            rows: [
              row('requests/s', rate(p), rate(f), 'req/s', true),
              row('p50 latency', percentile(p.latencies, 50), percentile(f.latencies, 50), 'ms', false),
              row('p99 latency', percentile(p.latencies, 99), percentile(f.latencies, 99), 'ms', false),
              infoRow(
                'requests (errors)',
                `${p.requests.toLocaleString('en-US')} (${p.errors})`,
                `${f.requests.toLocaleString('en-US')} (${f.errors})`,
              ),
            ],
          },
        ],
        notes: [
          'Client and server share the 2 cores: the bare Fastify figure is bounded by the load generator as much as by the server, ' +
            'so the ratio understates the gap between a bare Fastify and the platform edge on a bigger machine.',
        ],
      };
    } finally {
      for (const agent of agents) agent.destroy();
      await Promise.all(servers.map((s) => s.stop()));
    }
  },
};
