import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLogProjection } from '@vgp/audit';
import { consultationsProjection } from '@vgp/booking';
import { SqliteEventStore } from '@vgp/event-store';
import {
  InMemoryReadModelStore,
  type ProjectionDefinition,
  type ReadModelStore,
  replayProjection,
  SqliteReadModelStore,
} from '@vgp/read-models';
import { recordingCallBindingsProjection } from '@vgp/recording';
import { replayAccessProjection } from '@vgp/replay-access';
import { signallingCallsProjection, signallingConsultationsProjection } from '@vgp/signalling';
import { eventually, PlatformClient } from '@vgp/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite runs the build production runs
import { compileServices } from '../../../tools/build/compile.js';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite drives the dev tool itself
import { freePort, ROOT } from '../../../tools/distributed/platform.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** Every context's read models, as the embedded platform keeps them: `<context>.read-models.sqlite` beside `<context>.events.sqlite`. */
const PROJECTIONS: Record<string, ProjectionDefinition[]> = {
  booking: [consultationsProjection],
  signalling: [signallingConsultationsProjection, signallingCallsProjection],
  recording: [recordingCallBindingsProjection],
  'replay-access': [replayAccessProjection],
  audit: [auditLogProjection],
};

const CLINIC = 'clinic-restart';

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/**
 * The embedded platform as production runs it (the compiled JavaScript, one OS process), killed with SIGKILL in
 * the middle of a burst of bookings. Read models live in SQLite with their checkpoints (ADR 0026): after the crash
 * each must equal a rebuild from the events, nothing acknowledged may be missing, and a clean restart must be
 * ready without applying history again.
 */
describe('the embedded platform after kill -9 in the middle of a burst of writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgp-restart-'));
  let port: number;
  let child: ChildProcess | null = null;

  const start = async (): Promise<PlatformClient> => {
    const { NODE_OPTIONS: _testRunnerOnly, ...inherited } = process.env;
    const started = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'platform', 'src', 'main.js')], {
      cwd: ROOT,
      env: { ...inherited, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = started;
    const api = new PlatformClient(`http://127.0.0.1:${port}`);
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`the platform exited with ${started.exitCode}`);
        expect((await api.request('GET', '/health/ready')).status).toBe(200);
      },
      90_000,
      250,
    );
    return api;
  };

  const stop = async (signal: NodeJS.Signals) => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((done) => running.once('exit', done));
    running.kill(signal);
    await exited;
  };

  beforeAll(async () => {
    await compileServices();
    port = await freePort();
  });

  afterAll(async () => {
    await stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged, holds read models equal to a rebuild, and resumes from checkpoints', async () => {
    let api = await start();
    const admin = await api.token('admin-restart', ['clinic_admin'], CLINIC);
    const acknowledged: string[] = [];
    let killed = false;
    // Each booking has its own patient and clinician, so none overlaps another: every one that is answered is a 201.
    const book = async (n: number) => {
      const answer = await api
        .request('POST', '/v1/consultations', {
          token: admin,
          body: {
            patientId: `patient-${n}`,
            clinicianId: `dr-${n}`,
            startsAt: new Date(Date.now() + 86_400_000).toISOString(),
            durationMinutes: 30,
            mode: n % 2 ? 'audio' : 'video',
          },
          headers: { 'idempotency-key': randomUUID() },
        })
        .catch(() => null);
      if (answer?.status === 201) acknowledged.push(answer.body.consultationId as string);
      else if (answer && !killed) throw new Error(`booking ${n} answered ${answer.status}: ${answer.text}`);
    };
    const burst = (async () => {
      for (let n = 0; n < 2_000 && !killed; n += 16) await Promise.all(Array.from({ length: 16 }, (_, i) => book(n + i)));
    })();
    await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(150), 120_000, 50);
    killed = true;
    await stop('SIGKILL');
    await burst;

    api = await start();
    const adminAgain = await api.token('admin-restart', ['clinic_admin'], CLINIC);
    for (const id of acknowledged) {
      expect((await api.request('GET', `/v1/consultations/${id}`, { token: adminAgain })).status).toBe(200);
    }
    await stop('SIGTERM');

    for (const [context, projections] of Object.entries(PROJECTIONS)) {
      const eventStore = new SqliteEventStore({ path: join(dataDir, `${context}.events.sqlite`) });
      const kept = new SqliteReadModelStore({ path: join(dataDir, `${context}.read-models.sqlite`) });
      try {
        for (const projection of projections) {
          const rebuilt = new InMemoryReadModelStore();
          const { position } = await replayProjection(projection, { eventStore, readModels: rebuilt, fromPosition: 0 });
          expect({ projection: projection.name, checkpoint: (await kept.readCheckpoint(projection.name)) ?? 0 }).toEqual({
            projection: projection.name,
            checkpoint: position,
          });
          for (const collection of new Set(projection.handlers.map((handler) => handler.collection))) {
            // Documents carry no id of their own: compare them as sets of canonical JSON texts.
            const texts = async (store: ReadModelStore) => (await store.find(collection)).map(canonical).sort();
            expect({ collection, docs: await texts(kept) }).toEqual({ collection, docs: await texts(rebuilt) });
          }
        }
      } finally {
        await kept.close();
        await eventStore.close();
      }
    }

    // A clean start with nothing new to fold: ready, having applied no event again.
    api = await start();
    const metrics = (await api.request('GET', '/metrics')).text;
    expect(metrics).toContain('# TYPE vgp_processor_applied_events_total counter');
    const applied = metrics.split('\n').filter((line) => line.startsWith('vgp_processor_applied_events_total{') && !/ 0$/.test(line));
    expect(applied).toEqual([]);
  });
});
