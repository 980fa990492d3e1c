import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@vgp/testing';
import { type DistributedTestPlatform, localServers, startDistributedTestPlatform } from './distributed-test-platform.js';
import { type PrivateKafka, startPrivateKafka } from './private-kafka.js';
import { auditedBookings, book, duplicatesOf, sleep } from './traffic.js';

/**
 * The broker stops and comes back under traffic: bookings go on being acknowledged (each service's own store is
 * its outbox), producers and consumers reconnect, and every booking acknowledged with 201, before, during or
 * after the outage, reaches the audit exactly once. The broker is this test's own (from the jars
 * `tools/services/up kafka` fetched), so stopping it disturbs no other test on the machine.
 */
describe('distributed: a Kafka outage under traffic', () => {
  let kafka: PrivateKafka;
  let kafkaDir: string;
  let platform: DistributedTestPlatform;
  const run = randomUUID().slice(0, 8);
  const clinicId = `clinic-outage-${run}`;

  beforeAll(async () => {
    await localServers();
    kafkaDir = mkdtempSync(join(tmpdir(), 'vgp-e2e-kafka-'));
    kafka = await startPrivateKafka(kafkaDir);
    platform = await startDistributedTestPlatform('outage', { KAFKA_BROKERS: kafka.brokers });
  }, 170_000);

  afterAll(async () => {
    await platform?.close();
    await kafka?.close();
    if (kafkaDir && process.env.KEEP_E2E_DATA !== '1') rmSync(kafkaDir, { recursive: true, force: true });
  }, 90_000);

  it('loses no acknowledged booking and audits none twice when the broker stops and restarts', async () => {
    const api = platform.client;
    const admin = await api.token('admin-1', ['clinic_admin'], clinicId);
    const officer = await api.token('officer-1', ['compliance_officer'], clinicId);
    const acknowledged: string[] = [];
    const during: string[] = [];
    let phase: 'before' | 'outage' | 'after' = 'before';
    let refused = 0;
    let stopTraffic = false;
    let i = 0;

    const booker = async () => {
      while (!stopTraffic) {
        const { consultationId } = await book(api, admin, run, i++);
        if (consultationId) {
          acknowledged.push(consultationId);
          if (phase === 'outage') during.push(consultationId);
        } else {
          refused++; // never acknowledged, so never promised
        }
        await sleep(50);
      }
    };
    const traffic = Promise.all([booker(), booker()]);

    await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(20), 30_000, 50);
    // The audit has seen the stream flowing before the broker goes.
    await eventually(async () => expect((await auditedBookings(api, officer)).length).toBeGreaterThan(0), 30_000, 250);

    await kafka.stop('SIGTERM');
    phase = 'outage';
    await sleep(8_000);
    await kafka.start();
    phase = 'after';
    await sleep(4_000);
    stopTraffic = true;
    await traffic;

    expect(during.length).toBeGreaterThan(0);
    const audited = await eventually(
      async () => {
        const ids = await auditedBookings(api, officer);
        expect(ids.length).toBeGreaterThanOrEqual(acknowledged.length);
        return ids;
      },
      120_000,
      1_000,
    );
    expect(duplicatesOf(audited)).toEqual([]);
    expect(new Set(audited)).toEqual(new Set(acknowledged));
    expect(audited).toHaveLength(acknowledged.length);
    expect(refused).toBeLessThan(acknowledged.length);

    const verified = await api.request('GET', '/v1/audit/verify', { token: officer });
    expect(verified.body.ok).toBe(true);
  }, 180_000);
});
