import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IntegrationEvent, type Role, TOPICS } from '@vgp/contracts';
import { type EventStore, EventStoreUnavailable, SqliteEventStore, WrongExpectedRevision } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { ContextTestApp, eventually } from '@vgp/testing';
import { BookingModule } from '../booking.module.js';

const SOFTWARE_VERSION = 'booking-int-1';
const CLINIC = 'clinic-1';

type Failing = { failing: boolean; appendDelayMs: number; conflicting: boolean; appends: number };

/**
 * A store whose appends can be made slow (to widen race windows), fail as when the disk is gone, or lose
 * to another writer every time.
 */
const failable = (inner: EventStore) => {
  const state: Failing = { failing: false, appendDelayMs: 0, conflicting: false, appends: 0 };
  const store = new Proxy(inner, {
    get: (target, property) => {
      if (property === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          if (state.appendDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.appendDelayMs));
          state.appends++;
          if (state.failing) throw new EventStoreUnavailable('disk gone');
          if (state.conflicting) throw new WrongExpectedRevision(args[0], args[2], 0);
          return target.append(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, state };
};

/** Booking on its SQLite file at `path` (kept across restarts, unlike the app's own folder) and the given bus. */
async function startBooking(path: string, bus: InProcessMessageBus) {
  let failing!: Failing;
  const app = await ContextTestApp.start({
    serviceName: 'booking',
    context: (adapters) => BookingModule.forRoot(adapters),
    env: { SOFTWARE_VERSION },
    bus,
    eventStore: () => {
      const wrapped = failable(new SqliteEventStore({ path, pollIntervalMs: 20 }));
      failing = wrapped.state;
      return wrapped.store;
    },
  });
  return { app, failing };
}

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const slot = (o: Record<string, unknown> = {}) => ({
  patientId: 'patient-amira',
  clinicianId: 'dr-okafor',
  startsAt: inHours(2),
  durationMinutes: 20,
  mode: 'video',
  ...o,
});
const withoutRequestFields = ({ instance: _i, correlationId: _c, ...rest }: Record<string, unknown>) => rest;

describe('booking consultations over HTTP', () => {
  let dir: string;
  let booking: ContextTestApp;
  let failing: Failing;
  let bus: InProcessMessageBus;
  let hour = 0;
  /** A fresh hour each test, so tests do not clash with each other's bookings. */
  const nextSlot = (o: Record<string, unknown> = {}) => slot({ startsAt: inHours(10 + 2 * ++hour), ...o });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-booking-'));
    bus = new InProcessMessageBus();
    ({ app: booking, failing } = await startBooking(join(dir, 'booking.sqlite'), bus));
  });

  afterAll(async () => {
    await booking?.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = () => booking.token('admin-ada', 'clinic_admin');
  const book = async (body: Record<string, unknown>, as?: string, headers?: Record<string, string>) =>
    booking.request('POST', '/v1/consultations', { as: as ?? (await admin()), body, headers });

  describe('booking', () => {
    it('books a consultation in the caller’s clinic and says where to find it', async () => {
      const answer = await book(nextSlot());
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        clinicId: CLINIC,
        patientId: 'patient-amira',
        clinicianId: 'dr-okafor',
        status: 'booked',
        durationMinutes: 20,
        mode: 'video',
      });
      expect(answer.headers.location).toBe(`/v1/consultations/${answer.body.consultationId}`);
      const read = await booking.request('GET', answer.headers.location as string, { as: await booking.token('patient-amira', 'patient') });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(answer.body);
    });

    it('takes the clinic from the token, never from the body', async () => {
      const answer = await book({ ...nextSlot(), clinicId: 'clinic-2' });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body.errors)).toContain('clinicId');
    });

    it('lets patients book only for themselves and clinicians only with themselves', async () => {
      const amira = await booking.token('patient-amira', 'patient');
      const okafor = await booking.token('dr-okafor', 'clinician');
      expect((await book(nextSlot(), amira)).status).toBe(201);
      expect((await book(nextSlot(), okafor)).status).toBe(201);
      expect((await book(nextSlot({ patientId: 'patient-ben' }), amira)).status).toBe(403);
      expect((await book(nextSlot({ clinicianId: 'dr-lindqvist' }), okafor)).status).toBe(403);
      const officer = await booking.token('cora', 'compliance_officer');
      const refused = await book(nextSlot(), officer);
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('refuses a clinician who is already booked at that time with 409', async () => {
      const first = nextSlot();
      expect((await book(first)).status).toBe(201);
      const clash = await book({
        ...first,
        patientId: 'patient-ben',
        startsAt: new Date(Date.parse(first.startsAt as string) + 10 * 60_000).toISOString(),
      });
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({ type: expect.stringContaining('clinician-double-booked'), status: 409 });
    });

    it('refuses a patient who is already booked at that time with 409, and allows back to back', async () => {
      const first = nextSlot();
      expect((await book(first)).status).toBe(201);
      const clash = await book({ ...first, clinicianId: 'dr-lindqvist' });
      expect(clash.status).toBe(409);
      expect(clash.body.type).toContain('patient-double-booked');
      const next = await book({ ...first, startsAt: new Date(Date.parse(first.startsAt as string) + 20 * 60_000).toISOString() });
      expect(next.status).toBe(201);
    });

    it('books exactly one of many simultaneous requests for the same clinician and time', async () => {
      const wanted = nextSlot();
      const asAdmin = await admin();
      // Slow appends: without serialisation every request would see the slot free before any wrote.
      failing.appendDelayMs = 20;
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => book({ ...wanted, patientId: `patient-race-${i}` }, asAdmin)),
      ).finally(() => (failing.appendDelayMs = 0));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    });

    it('refuses a start in the past and a patient who is their own clinician with 422', async () => {
      expect((await book(slot({ startsAt: inHours(-1) }))).status).toBe(422);
      expect((await book(nextSlot({ patientId: 'dr-okafor' }))).status).toBe(422);
    });

    it.each([
      ['a start without an offset', { startsAt: '2030-01-01T09:00:00' }],
      ['a date that is not a date', { startsAt: '2030-02-31T09:00:00Z' }],
      ['a duration under 5 minutes', { durationMinutes: 4 }],
      ['a duration over 240 minutes', { durationMinutes: 241 }],
      ['an unknown mode', { mode: 'hologram' }],
      ['a patient id with spaces', { patientId: 'Jane Doe' }],
      ['a clinician id of 129 characters', { clinicianId: 'd'.repeat(129) }],
    ])('answers %s with a 400 problem', async (_case, change) => {
      const answer = await book(nextSlot(change));
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('accepts a start given with any offset, as the same instant', async () => {
      const answer = await book(nextSlot({ startsAt: '2031-06-01T11:00:00+02:00' }));
      expect(answer.status).toBe(201);
      expect(answer.body.startsAt).toBe('2031-06-01T09:00:00.000Z');
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a repeated request with the first booking and books nothing twice', async () => {
      const body = nextSlot({ patientId: 'patient-idem' });
      const first = await book(body, undefined, { 'idempotency-key': 'key-1' });
      const again = await book(body, undefined, { 'idempotency-key': 'key-1' });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(again.headers['idempotent-replayed']).toBe('true');
      const listed = await booking.request('GET', '/v1/consultations?patientId=patient-idem', { as: await admin() });
      expect(listed.body.items).toHaveLength(1);
      const stored = await booking.eventStore.readStream(`consultation-${first.body.consultationId}`);
      expect(stored.map((e) => e.type)).toEqual(['ConsultationBooked']);
    });

    it('refuses the same key with a different body with 422', async () => {
      const body = nextSlot({ patientId: 'patient-idem-2' });
      expect((await book(body, undefined, { 'idempotency-key': 'key-2' })).status).toBe(201);
      const other = await book({ ...body, durationMinutes: 30 }, undefined, { 'idempotency-key': 'key-2' });
      expect(other.status).toBe(422);
      expect(other.body.type).toContain('idempotency-key-reused');
    });

    it('keeps the same key of two different users apart', async () => {
      const amira = await booking.token('patient-amira', 'patient');
      const ben = await booking.token('patient-ben', 'patient');
      const a = await book(nextSlot({ patientId: 'patient-amira' }), amira, { 'idempotency-key': 'shared-key' });
      const b = await book(nextSlot({ patientId: 'patient-ben' }), ben, { 'idempotency-key': 'shared-key' });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.consultationId).not.toBe(b.body.consultationId);
    });

    it('refuses a key longer than 200 characters with 400', async () => {
      expect((await book(nextSlot(), undefined, { 'idempotency-key': 'k'.repeat(201) })).status).toBe(400);
    });
  });

  describe('reading', () => {
    let consultationId: string;
    beforeAll(async () => {
      consultationId = (await book(nextSlot({ patientId: 'patient-read', clinicianId: 'dr-read' }))).body.consultationId;
    });

    it('shows a consultation to its patient, its clinician and its clinic admin', async () => {
      for (const [sub, role] of [
        ['patient-read', 'patient'],
        ['dr-read', 'clinician'],
        ['admin-ada', 'clinic_admin'],
      ] as const) {
        expect((await booking.request('GET', `/v1/consultations/${consultationId}`, { as: await booking.token(sub, role) })).status).toBe(
          200,
        );
      }
    });

    it('answers everyone else exactly as for an id that does not exist', async () => {
      const unknown = await booking.request('GET', `/v1/consultations/${randomUUID()}`, { as: await admin() });
      const malformed = await booking.request('GET', '/v1/consultations/not-a-uuid', { as: await admin() });
      expect(unknown.status).toBe(404);
      expect(withoutRequestFields(malformed.body)).toEqual(withoutRequestFields(unknown.body));
      const strangers: [string, Role, string?][] = [
        ['patient-amira', 'patient'],
        ['dr-okafor', 'clinician'],
        ['cora', 'compliance_officer'],
        ['patient-read', 'patient', 'clinic-2'],
        ['admin-ada', 'clinic_admin', 'clinic-2'],
      ];
      for (const [sub, role, clinicId] of strangers) {
        const answer = await booking.request('GET', `/v1/consultations/${consultationId}`, {
          as: await booking.token(sub, role, clinicId),
        });
        expect(answer.status).toBe(404);
        expect(withoutRequestFields(answer.body)).toEqual(withoutRequestFields(unknown.body));
      }
    });

    it('lists patients their own consultations only, whatever they filter on', async () => {
      const mine = await booking.request('GET', '/v1/consultations', { as: await booking.token('patient-read', 'patient') });
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((c: { consultationId: string }) => c.consultationId)).toEqual([consultationId]);
      const snooping = await booking.request('GET', '/v1/consultations?patientId=patient-amira', {
        as: await booking.token('patient-read', 'patient'),
      });
      expect(snooping.body.items).toEqual([]);
      const otherClinic = await booking.request('GET', '/v1/consultations', {
        as: await booking.token('admin-ada', 'clinic_admin', 'clinic-2'),
      });
      expect(otherClinic.body.items).toEqual([]);
    });

    it('lists a clinic admin the clinic’s consultations, filtered by clinician and time window', async () => {
      const start = (await booking.request('GET', `/v1/consultations/${consultationId}`, { as: await admin() })).body.startsAt as string;
      const query = `clinicianId=dr-read&from=${encodeURIComponent(start)}&to=${encodeURIComponent(new Date(Date.parse(start) + 60_000).toISOString())}`;
      const answer = await booking.request('GET', `/v1/consultations?${query}`, { as: await admin() });
      expect(answer.body.items.map((c: { consultationId: string }) => c.consultationId)).toEqual([consultationId]);
      const later = await booking.request('GET', `/v1/consultations?clinicianId=dr-read&from=${encodeURIComponent(inHours(1000))}`, {
        as: await admin(),
      });
      expect(later.body.items).toEqual([]);
    });

    it('refuses a time window that is not an ISO date with 400', async () => {
      expect((await booking.request('GET', '/v1/consultations?from=yesterday', { as: await admin() })).status).toBe(400);
      expect(
        (
          await booking.request('GET', `/v1/consultations?from=${encodeURIComponent(inHours(2))}&to=${encodeURIComponent(inHours(1))}`, {
            as: await admin(),
          })
        ).status,
      ).toBe(400);
    });
  });

  describe('changing a consultation', () => {
    it('lets the patient reschedule, checking the new time but not against itself', async () => {
      const booked = (await book(nextSlot({ patientId: 'patient-move' }))).body;
      const amira = await booking.token('patient-move', 'patient');
      const shifted = new Date(Date.parse(booked.startsAt) + 10 * 60_000).toISOString();
      const moved = await booking.request('POST', `/v1/consultations/${booked.consultationId}/reschedule`, {
        as: amira,
        body: { startsAt: shifted, durationMinutes: 30 },
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ startsAt: shifted, durationMinutes: 30, status: 'booked' });
      const other = (await book(nextSlot({ patientId: 'patient-other' }))).body;
      const clash = await booking.request('POST', `/v1/consultations/${booked.consultationId}/reschedule`, {
        as: amira,
        body: { startsAt: other.startsAt, durationMinutes: 20 },
      });
      expect(clash.status).toBe(409);
    });

    it('lets the clinician cancel with a reason, and refuses changing it afterwards', async () => {
      const booked = (await book(nextSlot())).body;
      const okafor = await booking.token('dr-okafor', 'clinician');
      const cancelled = await booking.request('POST', `/v1/consultations/${booked.consultationId}/cancel`, {
        as: okafor,
        body: { reason: 'clinician_request' },
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'clinician_request' });
      expect(
        (await booking.request('POST', `/v1/consultations/${booked.consultationId}/cancel`, { as: okafor, body: { reason: 'other' } }))
          .status,
      ).toBe(409);
      expect(
        (
          await booking.request('POST', `/v1/consultations/${booked.consultationId}/reschedule`, {
            as: okafor,
            body: { startsAt: inHours(500), durationMinutes: 20 },
          })
        ).status,
      ).toBe(409);
      // The freed slot can be booked again.
      expect((await book({ ...slot(), startsAt: booked.startsAt })).status).toBe(201);
    });

    it('refuses free-text cancellation reasons', async () => {
      const booked = (await book(nextSlot())).body;
      const answer = await booking.request('POST', `/v1/consultations/${booked.consultationId}/cancel`, {
        as: await admin(),
        body: { reason: 'patient has flu' },
      });
      expect(answer.status).toBe(400);
    });

    it('answers strangers 404 on cancel, reschedule and complete', async () => {
      const booked = (await book(nextSlot())).body;
      const ben = await booking.token('patient-ben', 'patient');
      const unknown = await booking.request('POST', `/v1/consultations/${randomUUID()}/cancel`, { as: ben, body: { reason: 'other' } });
      for (const [path, body] of [
        ['cancel', { reason: 'other' }],
        ['reschedule', { startsAt: inHours(600), durationMinutes: 20 }],
        ['complete', undefined],
      ] as const) {
        const answer = await booking.request('POST', `/v1/consultations/${booked.consultationId}/${path}`, { as: ben, body });
        expect(answer.status).toBe(404);
        expect(withoutRequestFields(answer.body)).toEqual(withoutRequestFields(unknown.body));
      }
      const after = await booking.request('GET', `/v1/consultations/${booked.consultationId}`, { as: await admin() });
      expect(after.body.status).toBe('booked');
    });

    it('lets the clinician complete it, but not the patient', async () => {
      const booked = (await book(nextSlot())).body;
      const byPatient = await booking.request('POST', `/v1/consultations/${booked.consultationId}/complete`, {
        as: await booking.token('patient-amira', 'patient'),
      });
      expect(byPatient.status).toBe(403);
      const byClinician = await booking.request('POST', `/v1/consultations/${booked.consultationId}/complete`, {
        as: await booking.token('dr-okafor', 'clinician'),
      });
      expect(byClinician.status).toBe(200);
      expect(byClinician.body.status).toBe('completed');
      expect((await booking.request('POST', `/v1/consultations/${booked.consultationId}/complete`, { as: await admin() })).status).toBe(
        409,
      );
    });
  });

  it('publishes each change on consultation.events with the actor and the software version', async () => {
    const seen: IntegrationEvent[] = [];
    const consumer = await bus.subscribe({
      groupId: `probe-${randomUUID()}`,
      topics: [TOPICS.consultation],
      handler: async (e) => void seen.push(e),
    });
    try {
      const booked = (await book(nextSlot({ patientId: 'patient-published' }))).body;
      await booking.request('POST', `/v1/consultations/${booked.consultationId}/cancel`, {
        as: await booking.token('patient-published', 'patient'),
        body: { reason: 'patient_request' },
      });
      await eventually(() => {
        const mine = seen.filter((e) => (e.data as { consultationId: string }).consultationId === booked.consultationId);
        expect(mine.map((e) => e.type)).toEqual(['ConsultationBooked', 'ConsultationCancelled']);
        expect(mine[0]).toMatchObject({
          actor: { id: 'admin-ada', role: 'clinic_admin' },
          softwareVersion: SOFTWARE_VERSION,
          streamId: `consultation-${booked.consultationId}`,
        });
        expect(mine[1].actor).toEqual({ id: 'patient-published', role: 'patient', clinicId: CLINIC });
      });
    } finally {
      await consumer.stop();
    }
  });

  it('answers 503 and books nothing when the store cannot take the write', async () => {
    failing.failing = true;
    try {
      const answer = await book(nextSlot({ patientId: 'patient-503' }));
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      failing.failing = false;
    }
    const listed = await booking.request('GET', '/v1/consultations?patientId=patient-503', { as: await admin() });
    expect(listed.body.items).toEqual([]);
  });

  it('answers 409 concurrent-update, and books nothing, when other writers keep getting in first', async () => {
    failing.conflicting = true;
    failing.appends = 0;
    try {
      const answer = await book(nextSlot({ patientId: 'patient-409' }));
      expect(answer.status).toBe(409);
      expect(answer.body.type).toContain('concurrent-update');
      // The whole command ran three times, each on a fresh read.
      expect(failing.appends).toBe(3);
    } finally {
      failing.conflicting = false;
    }
    const listed = await booking.request('GET', '/v1/consultations?patientId=patient-409', { as: await admin() });
    expect(listed.body.items).toEqual([]);
  });

  it('rebuilds its consultations after a restart, and a retried request still books once', async () => {
    const body = nextSlot({ patientId: 'patient-restart' });
    const first = await book(body, undefined, { 'idempotency-key': 'before-crash' });
    expect(first.status).toBe(201);
    await booking.close();
    ({ app: booking, failing } = await startBooking(join(dir, 'booking.sqlite'), bus));
    const read = await booking.request('GET', `/v1/consultations/${first.body.consultationId}`, { as: await admin() });
    expect(read.status).toBe(200);
    const retry = await book(body, undefined, { 'idempotency-key': 'before-crash' });
    expect(retry.status).toBe(201);
    expect(retry.body.consultationId).toBe(first.body.consultationId);
    const clash = await book({ ...body, patientId: 'patient-else' });
    expect(clash.status).toBe(409);
  });
});
