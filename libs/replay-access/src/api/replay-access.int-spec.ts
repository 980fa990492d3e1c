import { randomUUID } from 'node:crypto';
import { type IntegrationEvent, type Role, TOPICS } from '@vgp/contracts';
import { type Answer, ContextTestApp, eventually } from '@vgp/testing';
import { GRANT_TTL_SECONDS, mediaOf, problemShape, ReplayWorld, settled, SOFTWARE_VERSION } from '../testing/replay-world.js';

const north = 'clinic-north';

/** One patient with a consultation that switched from audio to video, and a carer. */
const setUp = async (world: ReplayWorld, api: ContextTestApp) => {
  const c = { consultationId: randomUUID(), callId: randomUUID(), audio: randomUUID(), video: randomUUID() };
  const patientId = `patient-${randomUUID().slice(0, 8)}`;
  const clinicianId = `dr-${randomUUID().slice(0, 8)}`;
  await world.book({ consultationId: c.consultationId, clinicId: north, patientId, clinicianId });
  const base = { consultationId: c.consultationId, callId: c.callId, clinicId: north, patientId, clinicianId };
  await world.record({ ...base, recordingId: c.audio, segmentId: randomUUID(), segmentSeq: 1, mode: 'audio' }, mediaOf(`${c.audio}`));
  await world.record({ ...base, recordingId: c.video, segmentId: randomUUID(), segmentSeq: 2, mode: 'video' }, mediaOf(`${c.video}`));
  await settled(api);
  const token = (sub: string, roles: Role[] = ['patient']) => api.token(sub, roles, north);
  return { ...c, patientId, clinicianId, patient: await token(patientId), clinician: await token(clinicianId, ['clinician']), token };
};

describe('replaying a recording', () => {
  const world = new ReplayWorld();
  let api: ContextTestApp;
  let s: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    api = await world.start();
    s = await setUp(world, api);
  });
  afterAll(async () => {
    await api?.close();
    await world.close();
  });

  const grantUrl = async (token: string, recordingId: string) => {
    const answer = await api.request('POST', `/v1/recordings/${recordingId}/replay-grants`, { as: token, body: {} });
    expect(answer.status).toBe(201);
    return answer.body.url as string;
  };
  const lastAccessEvent = async (viewerId: string) => (await world.events(`access-${viewerId}`)).at(-1);

  describe('byte ranges', () => {
    const media = () => mediaOf(s.video);

    it.each([
      ['a closed range', 'bytes=3-99', 3, 99],
      ['a suffix range (the last 10 bytes)', 'bytes=-10', 4086, 4095],
      ['an open range (to the end)', 'bytes=4000-', 4000, 4095],
      ['a range running past the end', 'bytes=4090-9999', 4090, 4095],
    ])('sends exactly the bytes of %s, after recording them', async (_label, range, start, end) => {
      const url = await grantUrl(s.patient, s.video);
      const answer = await api.request('GET', url, { headers: { range } });
      expect(answer.status).toBe(206);
      expect(answer.bytes.equals(media().subarray(start, end + 1))).toBe(true);
      expect(answer.headers['content-range']).toBe(`bytes ${start}-${end}/4096`);
      expect(answer.headers['content-length']).toBe(String(end - start + 1));
      expect(answer.headers['content-type']).toBe('video/webm');
      expect(answer.headers['accept-ranges']).toBe('bytes');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(await lastAccessEvent(s.patientId)).toMatchObject({
        type: 'ReplayStreamed',
        actor: { id: s.patientId, role: 'patient' },
        softwareVersion: SOFTWARE_VERSION,
        data: {
          recordingId: s.video,
          consultationId: s.consultationId,
          patientId: s.patientId,
          rangeStart: start,
          rangeEnd: end,
          totalBytes: 4096,
        },
      });
    });

    it('sends the whole recording with 200 when no range is asked, recorded as every byte', async () => {
      const url = await grantUrl(s.clinician, s.audio);
      const answer = await api.request('GET', url);
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(mediaOf(s.audio))).toBe(true);
      expect(answer.headers['content-type']).toBe('audio/webm');
      expect(answer.headers['accept-ranges']).toBe('bytes');
      expect(await lastAccessEvent(s.clinicianId)).toMatchObject({
        type: 'ReplayStreamed',
        actor: { id: s.clinicianId, role: 'clinician' },
        data: { rangeStart: 0, rangeEnd: 4095, totalBytes: 4096 },
      });
    });

    it.each([['bytes=4096-'], ['bytes=0-1,5-9'], ['bytes=9-3'], ['pages=1-2']])(
      'answers %s with 416 and the size, sending and recording no view',
      async (range) => {
        const url = await grantUrl(s.patient, s.video);
        const before = (await world.events(`access-${s.patientId}`)).length;
        const answer = await api.request('GET', url, { headers: { range } });
        expect(answer.status).toBe(416);
        expect(answer.headers['content-range']).toBe('bytes */4096');
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect((await world.events(`access-${s.patientId}`)).length).toBe(before);
      },
    );

    it('lets a player fetch several ranges with one grant, each recorded', async () => {
      const url = await grantUrl(s.patient, s.video);
      const before = (await world.events(`access-${s.patientId}`)).length;
      for (const range of ['bytes=0-1023', 'bytes=1024-2047'])
        expect((await api.request('GET', url, { headers: { range } })).status).toBe(206);
      const views = (await world.events(`access-${s.patientId}`)).slice(before).map((e) => e.data as { rangeStart: number });
      expect(views.map((v) => v.rangeStart)).toEqual([0, 1024]);
    });
  });

  describe('grant expiry', () => {
    afterEach(() => {
      world.clock.now = new Date();
    });

    it('issues a grant for the configured minutes and refuses its URL once they are over', async () => {
      const start = new Date();
      world.clock.now = start;
      const answer = await api.request('POST', `/v1/recordings/${s.audio}/replay-grants`, { as: s.patient, body: {} });
      expect(answer.body.expiresAt).toBe(new Date(start.getTime() + GRANT_TTL_SECONDS * 1000).toISOString());
      const url = answer.body.url as string;

      world.clock.now = new Date(start.getTime() + (GRANT_TTL_SECONDS - 1) * 1000);
      expect((await api.request('GET', url, { headers: { range: 'bytes=0-0' } })).status).toBe(206);

      world.clock.now = new Date(start.getTime() + GRANT_TTL_SECONDS * 1000);
      const expired = await api.request('GET', url, { headers: { range: 'bytes=0-0' } });
      expect(expired.status).toBe(404);
      expect(expired.bytes.includes(mediaOf(s.audio).subarray(0, 8))).toBe(false);
      const unknown = await api.request('GET', `/v1/replay-streams/${Buffer.alloc(32, 1).toString('base64url')}`);
      expect(problemShape(expired)).toEqual(problemShape(unknown));
      const denials = (await world.events(`access-${s.patientId}`)).filter((e) => e.type === 'ReplayDenied');
      expect(denials.at(-1)).toMatchObject({
        actor: { id: s.patientId },
        data: { reason: 'grant_expired', operation: 'stream', recordingId: s.audio, patientId: s.patientId },
      });
    });
  });

  describe('consent shares', () => {
    it('gives the grantee exactly the shared recording until the patient revokes it, then takes it away everywhere at once', async () => {
      const carerId = `carer-${randomUUID().slice(0, 8)}`;
      const carer = await s.token(carerId);
      const itemsOf = async (token: string) =>
        (await api.request('GET', '/v1/replays', { as: token })).body.items as Array<{ recordingId: string; basis: string }>;
      expect(await itemsOf(carer)).toEqual([]);

      const until = new Date(world.clock.now.getTime() + 30 * 86_400_000).toISOString();
      const shared = await api.request('POST', `/v1/recordings/${s.video}/shares`, {
        as: s.patient,
        body: { granteeId: carerId, purpose: 'carer', until },
      });
      expect(shared.status).toBe(201);
      const shareId = shared.body.shareId as string;
      expect(shared.body).toEqual({ shareId, recordingId: s.video, granteeId: carerId, purpose: 'carer', until });

      // Only the shared segment, not the other segment of the same call.
      expect(await itemsOf(carer)).toEqual([expect.objectContaining({ recordingId: s.video, basis: 'consent_share' })]);
      expect((await api.request('POST', `/v1/recordings/${s.audio}/replay-grants`, { as: carer, body: {} })).status).toBe(404);
      const grant = await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: carer, body: {} });
      expect(grant.status).toBe(201);
      expect(await lastAccessEvent(carerId)).toMatchObject({ type: 'ReplayGranted', data: { basis: 'consent_share', shareId } });
      const url = grant.body.url as string;
      expect((await api.request('GET', url, { headers: { range: 'bytes=0-99' } })).status).toBe(206);

      expect((await api.request('DELETE', `/v1/recordings/${s.video}/shares/${shareId}`, { as: s.patient })).status).toBe(204);

      const midReplay = await api.request('GET', url, { headers: { range: 'bytes=100-199' } });
      expect(midReplay.status).toBe(404);
      expect(await lastAccessEvent(carerId)).toMatchObject({
        type: 'ReplayDenied',
        data: { reason: 'share_revoked', operation: 'stream', recordingId: s.video },
      });
      expect(await itemsOf(carer)).toEqual([]);
      const again = await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: carer, body: {} });
      expect(again.status).toBe(404);
      expect(await lastAccessEvent(carerId)).toMatchObject({ type: 'ReplayDenied', data: { reason: 'share_revoked', operation: 'grant' } });
    });

    it('ends a share on its end date without anyone revoking it', async () => {
      const carerId = `carer-${randomUUID().slice(0, 8)}`;
      const carer = await s.token(carerId);
      const until = new Date(world.clock.now.getTime() + 86_400_000);
      expect(
        (
          await api.request('POST', `/v1/recordings/${s.audio}/shares`, {
            as: s.patient,
            body: { granteeId: carerId, purpose: 'second_opinion', until: until.toISOString() },
          })
        ).status,
      ).toBe(201);
      expect((await api.request('GET', '/v1/replays', { as: carer })).body.items).toHaveLength(1);
      const saved = world.clock.now;
      world.clock.now = until;
      try {
        expect((await api.request('GET', '/v1/replays', { as: carer })).body.items).toEqual([]);
        expect((await api.request('POST', `/v1/recordings/${s.audio}/replay-grants`, { as: carer, body: {} })).status).toBe(404);
        expect(await lastAccessEvent(carerId)).toMatchObject({ data: { reason: 'share_expired' } });
      } finally {
        world.clock.now = saved;
      }
    });
  });

  describe('write-ahead audit: when the audit cannot be written, nothing leaves', () => {
    afterEach(() => {
      world.switchable.failAppends = false;
    });

    // Beyond the request's own path (`instance`), the answer names no recording, consultation, patient or stream URL.
    const expectUnavailable = (answer: Answer) => {
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problemShape(answer)).toMatchObject({
        type: expect.stringMatching(/\/store-unavailable$/),
        detail: 'The access could not be recorded, so nothing was sent. Retry shortly.',
      });
      const told = JSON.stringify(problemShape(answer));
      for (const id of [s.audio, s.video, s.consultationId, s.patientId]) expect(told).not.toContain(id);
      expect(told).not.toContain('/v1/replay-streams/');
    };

    it('lists nothing', async () => {
      world.switchable.failAppends = true;
      expectUnavailable(await api.request('GET', '/v1/replays', { as: s.patient }));
    });

    it('issues no grant URL', async () => {
      const before = (await world.events(`access-${s.patientId}`)).length;
      world.switchable.failAppends = true;
      expectUnavailable(await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: s.patient, body: {} }));
      world.switchable.failAppends = false;
      expect((await world.events(`access-${s.patientId}`)).length).toBe(before);
    });

    it('sends no byte of media and records no view', async () => {
      const url = await grantUrl(s.patient, s.video);
      const before = (await world.events(`access-${s.patientId}`)).length;
      world.switchable.failAppends = true;
      for (const range of [undefined, 'bytes=0-99']) {
        const answer = await api.request('GET', url, range ? { headers: { range } } : {});
        expectUnavailable(answer);
        expect(answer.bytes.includes(mediaOf(s.video).subarray(0, 16))).toBe(false);
        expect(answer.headers['content-range']).toBeUndefined();
      }
      world.switchable.failAppends = false;
      expect((await world.events(`access-${s.patientId}`)).length).toBe(before);
      // The same grant works again once the audit can be written.
      expect((await api.request('GET', url, { headers: { range: 'bytes=0-9' } })).status).toBe(206);
    });

    it('answers a refusal it cannot record as unavailable too, telling nothing more', async () => {
      const stranger = await s.token('patient-stranger');
      world.switchable.failAppends = true;
      expectUnavailable(await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: stranger, body: {} }));
      expectUnavailable(await api.request('GET', `/v1/replay-streams/${Buffer.alloc(32, 3).toString('base64url')}`));
    });
  });

  it('answers a share that keeps changing under it with 409 concurrent-update, having changed nothing', async () => {
    world.switchable.contended = /^share-/;
    try {
      const body = { granteeId: 'carer-busy', purpose: 'carer', until: new Date(world.clock.now.getTime() + 86_400_000).toISOString() };
      const answer = await api.request('POST', `/v1/recordings/${s.video}/shares`, { as: s.patient, body });
      expect(answer.status).toBe(409);
      expect(problemShape(answer)).toMatchObject({ type: expect.stringMatching(/\/concurrent-update$/), status: 409 });
      expect(
        (await world.sqlite.readAll({ categories: ['share'] })).filter((e) => (e.data as { granteeId: string }).granteeId === 'carer-busy'),
      ).toEqual([]);
    } finally {
      world.switchable.contended = null;
    }
  });

  it('publishes every list, grant, refusal and view on replay.events for the audit context', async () => {
    const seen: IntegrationEvent[] = [];
    const consumer = await world.bus.subscribe({
      groupId: `audit-probe-${randomUUID()}`,
      topics: [TOPICS.replay],
      handler: async (e) => void seen.push(e),
    });
    try {
      const viewerId = `patient-${randomUUID().slice(0, 8)}`;
      const token = await s.token(viewerId);
      await api.request('GET', '/v1/replays', { as: token });
      await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: token, body: {} });
      await eventually(() => {
        const mine = seen.filter((e) => (e.data as { viewerId?: string }).viewerId === viewerId);
        expect(mine.map((e) => e.type)).toEqual(['ReplayListed', 'ReplayDenied']);
        expect(mine[1]).toMatchObject({
          actor: { id: viewerId, role: 'patient' },
          softwareVersion: SOFTWARE_VERSION,
          data: { patientId: s.patientId },
        });
      });
    } finally {
      await consumer.stop();
    }
  });

  it('reports itself ready', async () => {
    const answer = await api.request('GET', '/health/ready');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('replay-access');
  });
});

describe('the kill switch, and a restart on the same history', () => {
  const world = new ReplayWorld();
  let s: Awaited<ReturnType<typeof setUp>>;
  let url: string;
  let killed: ContextTestApp;

  beforeAll(async () => {
    const normal = await world.start();
    s = await setUp(world, normal);
    url = (await normal.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: s.patient, body: {} })).body.url as string;
    await normal.close();
    killed = await world.start({ REPLAY_KILL_SWITCH: 'on' });
  });
  afterAll(async () => {
    await killed?.close();
    await world.close();
  });

  const expectSwitchedOff = (answer: Answer) => {
    expect(answer.status).toBe(503);
    const told = JSON.stringify(problemShape(answer));
    expect(told).toContain('replay-disabled');
    for (const id of [s.audio, s.video, s.patientId]) expect(told).not.toContain(id);
  };

  it('refuses every list with 503 and records the refusal', async () => {
    expectSwitchedOff(await killed.request('GET', '/v1/replays', { as: s.patient }));
    expect((await world.events(`access-${s.patientId}`)).at(-1)).toMatchObject({
      type: 'ReplayDenied',
      data: { viewerId: s.patientId, recordingId: '*', patientId: null, reason: 'kill_switch', operation: 'list' },
    });
  });

  it('refuses every grant with 503, even the patient’s own, and records it', async () => {
    expectSwitchedOff(await killed.request('POST', `/v1/recordings/${s.audio}/replay-grants`, { as: s.patient, body: {} }));
    expect((await world.events(`access-${s.patientId}`)).at(-1)).toMatchObject({
      data: { reason: 'kill_switch', operation: 'grant', recordingId: s.audio },
    });
  });

  it('stops a grant issued before the switch, after rebuilding its read models from the store', async () => {
    const answer = await killed.request('GET', url, { headers: { range: 'bytes=0-9' } });
    expectSwitchedOff(answer);
    expect(answer.bytes.includes(mediaOf(s.video).subarray(0, 10))).toBe(false);
    expect((await world.events(`access-${s.patientId}`)).at(-1)).toMatchObject({
      data: { reason: 'kill_switch', operation: 'stream', recordingId: s.video },
    });
  });

  it('still lets a patient revoke a share: taking access away is never switched off', async () => {
    const shared = await killed.request('POST', `/v1/recordings/${s.video}/shares`, {
      as: s.patient,
      body: { granteeId: 'carer-kim', purpose: 'carer', until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(shared.status).toBe(201);
    expect(
      (await killed.request('DELETE', `/v1/recordings/${s.video}/shares/${shared.body.shareId as string}`, { as: s.patient })).status,
    ).toBe(204);
  });

  it('refuses to boot on a kill switch value it does not understand', async () => {
    await expect(world.start({ REPLAY_KILL_SWITCH: 'maybe' })).rejects.toThrow(/REPLAY_KILL_SWITCH.*on \| off/);
  });
});

describe('a read model that stopped at an event it cannot fold', () => {
  const world = new ReplayWorld();
  let api: ContextTestApp;
  afterAll(async () => {
    await api?.close();
    await world.close();
  });

  it('answers lists and streams 503 instead of serving what it held before, and says so in readiness', async () => {
    api = await world.start();
    const s = await setUp(world, api);
    const granted = await api.request('POST', `/v1/recordings/${s.video}/replay-grants`, { as: s.patient, body: {} });
    expect(granted.status).toBe(201);
    expect((await api.request('GET', '/v1/replays', { as: s.patient })).status).toBe(200);

    // An inbox copy its fold cannot read: the read models stop there rather than skip it (ADR 0015).
    await world.sqlite.append(
      `inbox-${s.consultationId}`,
      [
        {
          id: randomUUID(),
          type: 'ShareRevoked',
          data: null,
          metadata: { actor: { id: 'x', role: 'system' }, correlationId: 'c', causationId: null, softwareVersion: '1', featureFlags: [] },
        },
      ],
      'any',
    );
    await eventually(async () => expect((await api.request('GET', '/health/ready')).status).toBe(503));
    const listed = await api.request('GET', '/v1/replays', { as: s.patient });
    expect(listed.status).toBe(503);
    expect(listed.body).toMatchObject({ type: expect.stringMatching(/read-model-unavailable$/) });
    const streamed = await api.request('GET', new URL(granted.body.url as string, 'http://x').pathname);
    expect(streamed.status).toBe(503);
    expect(streamed.bytes.includes(mediaOf(s.video).subarray(0, 32))).toBe(false);
  });
});
