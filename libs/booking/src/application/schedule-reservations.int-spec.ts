import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventMetadata } from '@vgp/contracts';
import { SqliteEventStore } from '@vgp/event-store';
import { ClinicianDoubleBooked, PatientDoubleBooked } from '../domain/consultation.errors.js';
import { type Hold, scheduleStreamsOf } from '../domain/schedule.decider.js';
import { changeEventIdOf, consultationStreamOf, ScheduleReservations } from './schedule-reservations.js';

// The hold protocol on a real store, including requests that die half-way: what they leave behind is finished by
// the next request that meets it, so an allowed booking is written once and never blocks time unseen.

const METADATA: EventMetadata = {
  correlationId: 'corr-1',
  causationId: null,
  actor: { id: 'admin-ada', role: 'clinic_admin', clinicId: 'clinic-1' },
  softwareVersion: 'schedule-int-1',
  featureFlags: [],
};
const NOW = new Date('2030-03-01T08:00:00.000Z');

let n = 0;
/** A booking's hold, as the runner makes it. */
const booking = (o: { patientId: string; clinicianId: string; startsAt?: string; durationMinutes?: number }): Hold => {
  const consultationId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const slot = { consultationId, clinicId: 'clinic-1', startsAt: '2030-03-01T09:00:00.000Z', durationMinutes: 20, ...o };
  return {
    ...slot,
    holdId: `hold-${n}`,
    generation: 0,
    streams: scheduleStreamsOf(slot),
    change: { type: 'ConsultationBooked', data: { ...slot, mode: 'video' } },
  };
};

describe('holding consultation time in the schedule streams', () => {
  let dir: string;
  let store: SqliteEventStore;
  let schedule: ScheduleReservations;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vgp-schedule-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    schedule = new ScheduleReservations(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a request that got through the holds writes next. */
  const write = (hold: Hold) =>
    store.append(
      consultationStreamOf(hold.consultationId),
      [{ id: changeEventIdOf(hold), type: hold.change.type, data: hold.change.data, occurredAt: NOW.toISOString(), metadata: METADATA }],
      'no_stream',
    );
  const consultationEvents = async (hold: Hold) => (await store.readStream(consultationStreamOf(hold.consultationId))).map((e) => e.type);
  /** A request that died after holding the first `count` of its streams. */
  const diedAfterHolding = async (hold: Hold, count: number) => {
    for (const streamId of hold.streams.slice(0, count)) {
      await store.append(
        streamId,
        [{ id: `${hold.holdId}@${streamId}`, type: 'SlotHeld', data: hold, occurredAt: NOW.toISOString(), metadata: METADATA }],
        'any',
      );
    }
  };

  it('refuses the clinician, then the patient, of a time already taken, and holds a time that is free', async () => {
    const first = booking({ patientId: 'patient-amira', clinicianId: 'dr-okafor' });
    await schedule.reserve(first, METADATA, NOW);
    await write(first);
    await expect(schedule.reserve(booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor' }), METADATA, NOW)).rejects.toBeInstanceOf(
      ClinicianDoubleBooked,
    );
    await expect(
      schedule.reserve(booking({ patientId: 'patient-amira', clinicianId: 'dr-lindqvist' }), METADATA, NOW),
    ).rejects.toBeInstanceOf(PatientDoubleBooked);
    await schedule.reserve(
      booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor', startsAt: '2030-03-01T09:20:00.000Z' }),
      METADATA,
      NOW,
    );
  });

  it('frees the time of a cancelled consultation', async () => {
    const first = booking({ patientId: 'patient-amira', clinicianId: 'dr-okafor' });
    await schedule.reserve(first, METADATA, NOW);
    await write(first);
    await store.append(
      consultationStreamOf(first.consultationId),
      [
        {
          id: 'cancel-1',
          type: 'ConsultationCancelled',
          data: { consultationId: first.consultationId, reason: 'other' },
          metadata: METADATA,
        },
      ],
      0,
    );
    await schedule.reserve(booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor' }), METADATA, NOW);
  });

  it('finishes a booking whose request died after its first hold, writes it once, and refuses the one that meets it', async () => {
    const died = booking({ patientId: 'patient-amira', clinicianId: 'dr-okafor' });
    await diedAfterHolding(died, 1);
    await expect(schedule.reserve(booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor' }), METADATA, NOW)).rejects.toBeInstanceOf(
      ClinicianDoubleBooked,
    );
    expect(await consultationEvents(died)).toEqual(['ConsultationBooked']);
    // The request's own late write, or a retry of it, stores nothing twice.
    await write(died);
    await schedule.reserve(died, METADATA, NOW);
    expect(await consultationEvents(died)).toEqual(['ConsultationBooked']);
  });

  it('records the refusal of a half-held booking where it clashes, so it never books later and frees what it held', async () => {
    const taken = booking({ patientId: 'patient-amira', clinicianId: 'dr-lindqvist' });
    await schedule.reserve(taken, METADATA, NOW);
    await write(taken);
    // Held for its clinician only; its patient is taken at that time.
    const died = booking({ patientId: 'patient-amira', clinicianId: 'dr-okafor' });
    await diedAfterHolding(died, 1);
    await schedule.reserve(booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor' }), METADATA, NOW);
    expect(await consultationEvents(died)).toEqual([]);
    await expect(schedule.reserve(died, METADATA, NOW)).rejects.toBeInstanceOf(PatientDoubleBooked);
  });

  it('writes a booking held everywhere whose request died before writing it, when the next request meets it', async () => {
    const died = booking({ patientId: 'patient-amira', clinicianId: 'dr-okafor' });
    await schedule.reserve(died, METADATA, NOW);
    await expect(schedule.reserve(booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor' }), METADATA, NOW)).rejects.toBeInstanceOf(
      ClinicianDoubleBooked,
    );
    const [written] = await store.readStream(consultationStreamOf(died.consultationId));
    expect(written).toMatchObject({ id: changeEventIdOf(died), type: 'ConsultationBooked', data: died.change.data, actor: METADATA.actor });
  });

  it('holds across midnight in both days, and clashes there with the next day’s first consultation', async () => {
    const late = booking({
      patientId: 'patient-amira',
      clinicianId: 'dr-okafor',
      startsAt: '2030-03-01T23:50:00.000Z',
      durationMinutes: 30,
    });
    expect(late.streams).toHaveLength(4);
    await schedule.reserve(late, METADATA, NOW);
    await write(late);
    await expect(
      schedule.reserve(
        booking({ patientId: 'patient-ben', clinicianId: 'dr-okafor', startsAt: '2030-03-02T00:10:00.000Z' }),
        METADATA,
        NOW,
      ),
    ).rejects.toBeInstanceOf(ClinicianDoubleBooked);
  });
});
