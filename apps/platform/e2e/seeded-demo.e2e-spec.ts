import { PlatformClient } from '@vgp/testing';
import { eventually } from '@vgp/testing';
import { DEMO } from '../src/demo-clinic.seed.js';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

/** What `npm start` shows: the demo clinic's past consultations, each patient seeing only their own. */
describe('the seeded demo clinic', () => {
  let platform: TestPlatform;
  let api: PlatformClient;
  const token = (sub: string, role: 'patient' | 'clinician' | 'clinic_admin' | 'compliance_officer') =>
    api.token(sub, [role], DEMO.clinicId);

  beforeAll(async () => {
    platform = await startTestPlatform({ seed: true });
    api = platform.client;
  });
  afterAll(() => platform?.close());

  const replays = async (sub: string, role: 'patient' | 'clinician', expected: number) =>
    eventually(async () => {
      const answer = await api.request('GET', '/v1/replays', { token: await token(sub, role) });
      expect(answer.status).toBe(200);
      expect(answer.body.items).toHaveLength(expected);
      return answer.body.items as Array<{ recordingId: string; consultationId: string; mode: string }>;
    });

  it('lists each patient only the segments of their own consultations', async () => {
    const amira = await replays(DEMO.patients.amira, 'patient', 2);
    const ben = await replays(DEMO.patients.ben, 'patient', 3);
    const chloe = await replays(DEMO.patients.chloe, 'patient', 1);
    expect(amira.map((i) => i.mode).sort()).toEqual(['audio', 'video']);
    expect(new Set(amira.map((i) => i.consultationId)).size).toBe(1);
    const ids = (items: Array<{ recordingId: string }>) => new Set(items.map((i) => i.recordingId));
    for (const id of ids(ben)) expect(ids(amira).has(id) || ids(chloe).has(id)).toBe(false);
  });

  it('lists a clinician the recordings of every consultation they held, and no other', async () => {
    const okafor = await replays(DEMO.clinicians.okafor, 'clinician', 3);
    const ben = await replays(DEMO.patients.ben, 'patient', 3);
    const benIds = new Set(ben.map((i) => i.recordingId));
    expect(okafor.some((i) => benIds.has(i.recordingId))).toBe(false);
  });

  it('lets a patient replay their own recording, and answers 404 for another patient’s', async () => {
    const [own] = await replays(DEMO.patients.amira, 'patient', 2);
    const [other] = await replays(DEMO.patients.ben, 'patient', 3);
    const amira = await token(DEMO.patients.amira, 'patient');
    const ok = await api.request('POST', `/v1/recordings/${own.recordingId}/replay-grants`, { token: amira, body: {} });
    expect(ok.status).toBe(201);
    const bytes = await api.request('GET', ok.body.url, { headers: { range: 'bytes=0-14' } });
    expect(bytes.status).toBe(206);
    expect(bytes.text).toBe('VGP-DEMO-MEDIA ');
    const denied = await api.request('POST', `/v1/recordings/${other.recordingId}/replay-grants`, { token: amira, body: {} });
    expect(denied.status).toBe(404);
  });

  it('seeds once: a restart on the same data does not duplicate the history', async () => {
    const { startEmbeddedPlatform } = await import('../src/embedded-platform.js');
    await platform.stop();
    const again = await startEmbeddedPlatform({ dataDir: platform.dataDir, seed: true });
    try {
      api = new PlatformClient(again.url);
      await replays(DEMO.patients.ben, 'patient', 3);
    } finally {
      await again.close();
    }
  });
});
