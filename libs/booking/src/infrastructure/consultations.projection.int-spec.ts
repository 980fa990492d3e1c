import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@vgp/event-store';
import { type ReadModelStore, replayProjection, SqliteReadModelStore } from '@vgp/read-models';
import { ContextTestApp } from '@vgp/testing';
import { type ConsultationView } from '../application/consultation.queries.js';
import { BookingModule } from '../booking.module.js';
import { CONSULTATIONS_COLLECTION, CONSULTATIONS_PROJECTION, consultationsProjection } from './consultations.projection.js';

const CLINIC = 'clinic-1';

/** The booking module on an app-owned read-model store, as embedded mode runs it (SQLite; distributed: MongoDB). */
async function startBooking(path: string, readModels: ReadModelStore) {
  const app = await ContextTestApp.start({
    serviceName: 'booking',
    context: (adapters) => BookingModule.forRoot(adapters),
    env: { SOFTWARE_VERSION: 'booking-rm-1' },
    // Outside the app's own folder, which goes on close: the next start reads the same file.
    eventStore: () => new SqliteEventStore({ path, pollIntervalMs: 20 }),
    readModels,
  });
  const admin = await app.token('admin-ada', 'clinic_admin', CLINIC);
  const call = (method: 'GET' | 'POST', url: string, body?: object) => app.request(method, url, { as: admin, body });
  return { call, events: app.eventStore, close: () => app.close() };
}

/** The store, recording the checkpoint position of every write it is asked for: which events the projection applies. */
function recording(store: ReadModelStore, applied: number[]): ReadModelStore {
  return {
    ensureIndexes: (c, i) => store.ensureIndexes(c, i),
    apply: (c, id, guard, update, checkpoint) => {
      applied.push(checkpoint.position);
      return store.apply(c, id, guard, update, checkpoint);
    },
    get: (c, id) => store.get(c, id),
    findOne: (c, f) => store.findOne(c, f),
    find: (c, f, o) => store.find(c, f, o),
    query: (c, q) => store.query(c, q),
    readCheckpoint: (p) => store.readCheckpoint(p),
    rebuild: (p, c, run) => store.rebuild(p, c, run),
    close: () => store.close(),
  };
}

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const slot = (h: number, o: Record<string, unknown> = {}) => ({
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: inHours(h),
  durationMinutes: 20,
  mode: 'video',
  ...o,
});
const viewOf = ({ instance: _i, correlationId: _c, ...rest }: Record<string, unknown>) => rest;

describe('booking consultations on the read-model port', () => {
  let dir: string;
  let readModels: SqliteReadModelStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-booking-rm-'));
    readModels = new SqliteReadModelStore({ path: join(dir, 'booking.read-models.sqlite') });
  });

  afterEach(async () => {
    await readModels.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one document per consultation in the app’s store and decides overlaps from it', async () => {
    const booking = await startBooking(join(dir, 'booking.sqlite'), readModels);
    try {
      const booked = await booking.call('POST', '/v1/consultations', slot(3));
      expect(booked.status).toBe(201);
      const id = booked.body.consultationId as string;
      expect(await readModels.get<ConsultationView>(CONSULTATIONS_COLLECTION, id)).toEqual(viewOf(booked.body));
      expect(await readModels.readCheckpoint(CONSULTATIONS_PROJECTION)).toBeGreaterThan(0);

      // The overlap facts are read right after the write, through the store.
      expect((await booking.call('POST', '/v1/consultations', slot(3, { patientId: 'patient-ben' }))).status).toBe(409);
      const cancelled = await booking.call('POST', `/v1/consultations/${id}/cancel`, { reason: 'other' });
      expect(cancelled.status).toBe(200);
      expect(await readModels.get<ConsultationView>(CONSULTATIONS_COLLECTION, id)).toMatchObject({
        status: 'cancelled',
        cancelReason: 'other',
      });
      expect((await booking.call('POST', '/v1/consultations', slot(3, { patientId: 'patient-ben' }))).status).toBe(201);
    } finally {
      await booking.close();
    }
  });

  it('leaves the app’s store open on shutdown and resumes from its checkpoint on the next start', async () => {
    const path = join(dir, 'booking.sqlite');
    const first = await startBooking(path, readModels);
    const booked = await first.call('POST', '/v1/consultations', slot(5));
    await first.close();
    const id = booked.body.consultationId as string;
    // Still open: the app closes what it hands over.
    expect(await readModels.get(CONSULTATIONS_COLLECTION, id)).not.toBeNull();
    const checkpoint = await readModels.readCheckpoint(CONSULTATIONS_PROJECTION);

    const second = await startBooking(path, readModels);
    try {
      expect(await readModels.readCheckpoint(CONSULTATIONS_PROJECTION)).toBe(checkpoint);
      const read = await second.call('GET', `/v1/consultations/${id}`);
      expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: booked.body });
      expect((await second.call('POST', '/v1/consultations', slot(5, { patientId: 'patient-ben' }))).status).toBe(409);
      const other = await second.call('POST', '/v1/consultations', slot(7));
      expect(other.status).toBe(201);
      const list = await second.call('GET', '/v1/consultations');
      expect(list.body.items.map((c: ConsultationView) => c.consultationId)).toEqual([id, other.body.consultationId]);
    } finally {
      await second.close();
    }
  });

  it('reopens its read models from their file and applies only the events stored since, as a rebuild from scratch would hold them', async () => {
    const events = join(dir, 'booking.sqlite');
    const file = join(dir, 'booking-own.read-models.sqlite');
    const before = new SqliteReadModelStore({ path: file });
    const first = await startBooking(events, before);
    const ids: string[] = [];
    for (const [h, patientId] of [
      [9, 'patient-amira'],
      [11, 'patient-ben'],
      [13, 'patient-cleo'],
    ] as const) {
      ids.push((await first.call('POST', '/v1/consultations', slot(h, { patientId }))).body.consultationId as string);
    }
    await first.close();
    const checkpoint = (await before.readCheckpoint(CONSULTATIONS_PROJECTION)) as number;
    await before.close();

    // Events appended while this store is closed (another instance with its own read models wrote them).
    const elsewhere = new SqliteReadModelStore({ path: join(dir, 'elsewhere.read-models.sqlite') });
    const other = await startBooking(events, elsewhere);
    expect((await other.call('POST', `/v1/consultations/${ids[1]}/cancel`, { reason: 'other' })).status).toBe(200);
    expect((await other.call('POST', '/v1/consultations', slot(15, { patientId: 'patient-dev' }))).status).toBe(201);
    await other.close();
    await elsewhere.close();

    const applied: number[] = [];
    const reopened = new SqliteReadModelStore({ path: file });
    const again = await startBooking(events, recording(reopened, applied));
    try {
      // Started means caught up: only the two new events were applied, none of the history before the checkpoint.
      const newer = await again.events.readAll({ fromPosition: checkpoint, categories: ['consultation'] });
      expect(newer).toHaveLength(2);
      expect(applied).toEqual(newer.map((event) => event.position));

      const scratch = new SqliteReadModelStore({ path: join(dir, 'scratch.read-models.sqlite') });
      try {
        await replayProjection(consultationsProjection, { eventStore: again.events, readModels: scratch, fromPosition: 0 });
        const all = (store: ReadModelStore) => store.find<ConsultationView>(CONSULTATIONS_COLLECTION, { clinicId: CLINIC });
        expect(await all(reopened)).toHaveLength(4);
        expect(await all(reopened)).toEqual(await all(scratch));
        expect(await reopened.get(CONSULTATIONS_COLLECTION, ids[1])).toMatchObject({ status: 'cancelled' });
        expect(await reopened.readCheckpoint(CONSULTATIONS_PROJECTION)).toBe(await scratch.readCheckpoint(CONSULTATIONS_PROJECTION));
      } finally {
        await scratch.close();
      }
    } finally {
      await again.close();
      await reopened.close();
    }
  });
});
