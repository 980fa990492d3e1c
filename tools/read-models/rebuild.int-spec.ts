import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteEventStore } from '@vgp/event-store';
import { CONSULTATIONS_BY_PATIENT, type PatientConsultation } from '@vgp/read-models';
import { MongooseReadModelStore } from '@vgp/read-models/mongoose';
import { aNewEvent, testServices } from '@vgp/testing';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

describe('npm run read-models:rebuild', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgp-rebuild-'));
  const events = join(dir, 'booking.sqlite');
  const dbName = `vgp_rebuild_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  let url: string;
  let store: SqliteEventStore;
  let readModels: MongooseReadModelStore;

  /** The command as the npm script runs it; resolves with its exit code and output. */
  const rebuild = async (...args: string[]) =>
    run(process.execPath, ['--import', '@swc-node/register/esm-register', 'tools/read-models/rebuild.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  const book = (consultationId: string, patientId: string) =>
    store.append(
      `consultation-${consultationId}`,
      [
        aNewEvent({
          type: 'ConsultationBooked',
          data: {
            consultationId,
            clinicId: 'clinic-1',
            patientId,
            clinicianId: 'dr-okafor',
            startsAt: '2026-03-02T09:00:00.000Z',
            durationMinutes: 15,
            mode: 'video',
          },
        }),
      ],
      'no_stream',
    );

  beforeAll(async () => {
    url = (await testServices().mongo()).url;
    store = new SqliteEventStore({ path: events });
    const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
    await book(c1, 'patient-amara');
    await book(c2, 'patient-amara');
    await book(c3, 'patient-bo');
    await store.append(
      `consultation-${c2}`,
      [aNewEvent({ type: 'ConsultationCancelled', data: { consultationId: c2, reason: 'patient_request' } })],
      0,
    );
    await store.append(
      `consultation-${c1}`,
      [
        aNewEvent({
          type: 'ConsultationRescheduled',
          data: { consultationId: c1, startsAt: '2026-03-03T10:00:00.000Z', durationMinutes: 30 },
        }),
      ],
      0,
    );
    // Not a consultation stream: the projection never reads it.
    await store.append(`inbox-${c1}`, [aNewEvent({ type: 'RecordingStored', data: { consultationId: c1 } })], 'any');
    readModels = await MongooseReadModelStore.connect({ url, dbName });
  });

  afterAll(async () => {
    await readModels?.dropDatabase();
    await readModels?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
    await testServices().stop();
  });

  const args = () => ['--projection', 'consultations-by-patient', '--mongo-url', url, '--db', dbName, '--events', events];
  const generations = async () => (await readModels.collectionNames()).filter((n) => n.startsWith(CONSULTATIONS_BY_PATIENT));

  it('rebuilds the projection into a fresh generation and switches readers to it', async () => {
    const first = await rebuild(...args());
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/consultations-by-patient: 5 events applied into generation \d+/);
    const amara = await readModels.find<PatientConsultation>(CONSULTATIONS_BY_PATIENT, { patientId: 'patient-amara' });
    expect(
      amara
        .map(({ status, startsAt, durationMinutes }) => ({ status, startsAt, durationMinutes }))
        .sort((a, b) => a.status.localeCompare(b.status)),
    ).toEqual([
      { status: 'booked', startsAt: '2026-03-03T10:00:00.000Z', durationMinutes: 30 },
      { status: 'cancelled', startsAt: '2026-03-02T09:00:00.000Z', durationMinutes: 15 },
    ]);
    expect(await readModels.find(CONSULTATIONS_BY_PATIENT, { patientId: 'patient-bo' })).toHaveLength(1);
    const [generation] = await generations();
    expect(await generations()).toEqual([generation]);
    expect(await readModels.readCheckpoint('consultations-by-patient')).toBe(5);

    // A second rebuild picks up what was appended since, and the first generation is gone.
    await book(randomUUID(), 'patient-bo');
    const second = await rebuild(...args());
    expect(second).toMatchObject({ code: 0 });
    expect(await readModels.find(CONSULTATIONS_BY_PATIENT, { patientId: 'patient-bo' })).toHaveLength(2);
    const after = await generations();
    expect(after).toHaveLength(1);
    expect(after).not.toContain(generation);
  });

  it('refuses an unknown projection or a missing event store, and changes nothing', async () => {
    const before = await generations();
    expect(await rebuild('--projection', 'nope', '--mongo-url', url, '--db', dbName, '--events', events)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown projection nope'),
    });
    expect(
      await rebuild(
        '--projection',
        'consultations-by-patient',
        '--mongo-url',
        url,
        '--db',
        dbName,
        '--events',
        join(dir, 'missing.sqlite'),
      ),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no event store at'),
    });
    expect(await generations()).toEqual(before);
  });
});
