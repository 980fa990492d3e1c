import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@vgp/event-store';
import { InMemoryReadModelStore, type ReadModelStore } from '@vgp/read-models';
import { ContextTestApp } from '@vgp/testing';
import { type ConsultationView } from '../application/consultation.queries.js';
import { BookingModule } from '../booking.module.js';
import { CONSULTATIONS_COLLECTION, CONSULTATIONS_PROJECTION } from './consultations.projection.js';

const CLINIC = 'clinic-1';

/** The booking module on an app-owned read-model store, as in distributed mode (there: MongoDB). */
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
  return { call, close: () => app.close() };
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
  let readModels: InMemoryReadModelStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-booking-rm-'));
    readModels = new InMemoryReadModelStore();
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
    // Still open: an in-memory store forgets its documents when closed.
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
});
