import { consultationFlowScenario } from '../scenarios/consultation-flow.scenario';
import { DistributedTestPlatform, startDistributedTestPlatform } from './distributed-test-platform';

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

  it('keeps every party to their own consultation, and the audit shows who saw what', () =>
    consultationFlowScenario({ api: platform.client, softwareVersion: platform.softwareVersion }), 120_000);

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
