import { consultationFlowScenario } from '../scenarios/consultation-flow.scenario.js';
import { type DistributedTestPlatform, startDistributedTestPlatform } from './distributed-test-platform.js';

/**
 * The embedded suite's consultation flow, unchanged, against the five services as their own processes over
 * Kafka, S3 and MongoDB (FerretDB), through the dev gateway (routed like k8s/base/ingress.yaml). Needs `tools/services/up kafka s3 mongo`.
 */
describe('distributed: a consultation from booking to an audited replay', () => {
  let platform: DistributedTestPlatform;

  beforeAll(async () => {
    platform = await startDistributedTestPlatform('flow');
  }, 150_000);

  afterAll(async () => {
    await platform?.close();
  }, 60_000);

  it(
    'keeps every party to their own consultation, and the audit shows who saw what',
    () => consultationFlowScenario({ api: platform.client, softwareVersion: platform.softwareVersion }),
    120_000,
  );

  it('keeps each service’s read models in a MongoDB database of its own', async () => {
    const databases = await platform.readModelDatabases();
    const of = (service: string) => {
      const name = Object.keys(databases).find((db) => db.endsWith(`_vgp_${service}`));
      expect(name).toBeDefined();
      return databases[name as string];
    };
    expect(Object.keys(databases)).toHaveLength(5);
    // The scenario booked two consultations and stored two segments of each.
    expect(of('booking').booking_consultations).toBeGreaterThanOrEqual(2);
    expect(of('signalling').signalling_calls).toBeGreaterThanOrEqual(2);
    expect(of('recording').recording_calls).toBeGreaterThanOrEqual(2);
    expect(of('replay-access').replay_recordings).toBeGreaterThanOrEqual(4);
    expect(of('audit').audit_entries).toBeGreaterThan(0);
  });

  it('answers the gateway’s own liveness, and readiness only when every service is ready', async () => {
    const live = await platform.client.request('GET', '/health/live');
    expect(live.status).toBe(200);
    const ready = await platform.client.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.services).toEqual({ booking: 'up', signalling: 'up', recording: 'up', 'replay-access': 'up', audit: 'up' });
    const unknown = await platform.client.request('GET', '/v1/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
