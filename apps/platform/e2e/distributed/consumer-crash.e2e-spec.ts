import { randomUUID } from 'node:crypto';
import { eventually } from '@vgp/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite drives the dev tool itself
import { type ServiceName } from '../../../../tools/distributed/platform.js';
import { type DistributedTestPlatform, startDistributedTestPlatform } from './distributed-test-platform.js';
import { auditedBookings, book, duplicatesOf, sleep } from './traffic.js';

/**
 * Consumers killed with SIGKILL in the middle of a stream of bookings resume from their checkpoints (Kafka
 * offsets, store subscriptions): no booking is lost and none is applied twice. Needs `tools/services/up kafka s3 mongo`.
 */
describe('distributed: consuming services killed mid-stream', () => {
  let platform: DistributedTestPlatform;
  const run = randomUUID().slice(0, 8);
  const clinicId = `clinic-crash-${run}`;

  beforeAll(async () => {
    platform = await startDistributedTestPlatform('crash');
  }, 150_000);

  afterAll(async () => {
    await platform?.close();
  }, 60_000);

  /** The ConsultationBooked copies in replay-access's own store (its inbox) for this clinic, read beside the running service. */
  const replayAccessInbox = async (): Promise<string[]> => {
    const rows = await platform.queryEvents<{ data: { consultationId: string } }>(
      'replay-access',
      `type = 'ConsultationBooked' AND stream_id LIKE 'inbox-%' AND data->>'clinicId' = $1`,
      [clinicId],
    );
    return rows.map((r) => r.data.consultationId);
  };

  it('kill -9 of audit and of replay-access during 200 bookings: each booking reaches both exactly once', async () => {
    const api = platform.client;
    const admin = await api.token('admin-1', ['clinic_admin'], clinicId);
    const officer = await api.token('officer-1', ['compliance_officer'], clinicId);
    const total = 200;
    const acknowledged: string[] = [];
    const crashes: Array<Promise<void>> = [];
    const crash = async (name: ServiceName) => {
      await platform.service(name).kill('SIGKILL');
      await sleep(1_000);
      await platform.service(name).restart();
    };

    let next = 0;
    const booker = async () => {
      while (next < total) {
        const i = next++;
        const { status, consultationId } = await book(api, admin, run, i);
        if (!consultationId) throw new Error(`booking ${i} answered ${status}, not 201`);
        acknowledged.push(consultationId);
        if (acknowledged.length === 50) crashes.push(crash('audit'));
        if (acknowledged.length === 110) crashes.push(crash('replay-access'));
        // Paced, so both crashes land while bookings still flow.
        await sleep(20);
      }
    };
    await Promise.all([booker(), booker(), booker()]);
    expect(crashes).toHaveLength(2);
    await Promise.all(crashes);
    expect(new Set(acknowledged).size).toBe(total);

    const audited = await eventually(
      async () => {
        const ids = await auditedBookings(api, officer);
        expect(ids.length).toBeGreaterThanOrEqual(total);
        return ids;
      },
      90_000,
      500,
    );
    expect(duplicatesOf(audited)).toEqual([]);
    expect(new Set(audited)).toEqual(new Set(acknowledged));
    expect(audited).toHaveLength(total);

    const verified = await api.request('GET', '/v1/audit/verify', { token: officer });
    expect(verified.status).toBe(200);
    expect(verified.body.ok).toBe(true);

    const inbox = await eventually(
      async () => {
        const ids = await replayAccessInbox();
        expect(ids.length).toBeGreaterThanOrEqual(total);
        return ids;
      },
      60_000,
      500,
    );
    expect(duplicatesOf(inbox)).toEqual([]);
    expect(new Set(inbox)).toEqual(new Set(acknowledged));
  }, 180_000);
});
