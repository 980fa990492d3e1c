import { randomUUID } from 'node:crypto';
import { ContextTestApp } from '@vgp/testing';
import { REPLAY_ACCESS_QUERIES, type ReplayAccessQueries } from '../application/replay-access.queries.js';
import { ReplayHousekeeping } from '../application/replay-housekeeping.js';
import { GRANT_PRUNE_GRACE_MS } from '../infrastructure/replay-access.queries.adapter.js';
import { getFrom, GRANT_TTL_SECONDS, mediaOf, problemShape, ReplayWorld, settled } from '../testing/replay-world.js';

const north = 'clinic-north';
const unknownToken = () => `/v1/replay-streams/${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
const secondsLater = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

/** Clients of the service, told apart by their socket's address (all on loopback). */
const PROBER = '127.0.0.2';
const VIEWER = '127.0.0.3';
const BYSTANDER = '127.0.0.4';

describe('probing GET /v1/replay-streams/:token (default limit: 20 unknown tokens per 60 s per address)', () => {
  const world = new ReplayWorld();
  let api: ContextTestApp;
  const patientId = `patient-${randomUUID().slice(0, 8)}`;
  const recordingId = randomUUID();
  let patient: string;

  const anonymous = async () => (await world.events('access-anonymous')).map((e) => e.data as Record<string, unknown>);
  const grantUrl = async () => {
    const answer = await api.request('POST', `/v1/recordings/${recordingId}/replay-grants`, { as: patient, body: {} });
    expect(answer.status).toBe(201);
    return answer.body.url as string;
  };

  beforeAll(async () => {
    api = await world.start();
    const consultationId = randomUUID();
    const clinicianId = `dr-${randomUUID().slice(0, 8)}`;
    await world.book({ consultationId, clinicId: north, patientId, clinicianId });
    await world.record(
      {
        recordingId,
        consultationId,
        callId: randomUUID(),
        segmentId: randomUUID(),
        segmentSeq: 1,
        clinicId: north,
        patientId,
        clinicianId,
        mode: 'audio',
      },
      mediaOf(recordingId),
    );
    await settled(api);
    patient = await api.token(patientId, ['patient'], north);
  });
  afterAll(async () => {
    await api?.close();
    await world.close();
  });

  it('answers 20 unknown tokens from one address as before, refuses the 21st with 429 and Retry-After, and audits the refusals once, in aggregate', async () => {
    const start = world.clock.now;
    const before = (await anonymous()).length;
    const url = await grantUrl();

    for (let i = 0; i < 20; i++) expect((await getFrom(api, PROBER, unknownToken())).status).toBe(404);
    const limited = await getFrom(api, PROBER, unknownToken());
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(problemShape(limited)).toMatchObject({
      type: expect.stringMatching(/\/replay-stream-rate-limited$/),
      status: 429,
      title: 'Too Many Requests',
    });
    // Once over the limit, a real token from that address is refused too: a 429 must not tell hits from misses.
    expect((await getFrom(api, PROBER, url, { range: 'bytes=0-0' })).status).toBe(429);
    expect((await getFrom(api, PROBER, unknownToken())).status).toBe(429);

    // Other clients are not affected: a valid grant streams, an unknown token is still a plain 404.
    const streamed = await getFrom(api, VIEWER, url, { range: 'bytes=0-9' });
    expect(streamed.status).toBe(206);
    expect(streamed.bytes.equals(mediaOf(recordingId).subarray(0, 10))).toBe(true);
    expect((await world.events(`access-${patientId}`)).at(-1)).toMatchObject({
      type: 'ReplayStreamed',
      data: { rangeStart: 0, rangeEnd: 9 },
    });
    expect((await getFrom(api, BYSTANDER, unknownToken())).status).toBe(404);

    const grantUnknown = { viewerId: 'anonymous', recordingId: '*', patientId: null, reason: 'grant_unknown', operation: 'stream' };
    // 20 from the prober, 1 from the bystander; none for the 3 refused requests (yet).
    expect((await anonymous()).slice(before)).toEqual(Array.from({ length: 21 }, () => grantUnknown));

    // The window moves on; the prober's next request is answered only after its refusals are recorded.
    world.clock.now = secondsLater(start, 61);
    expect((await getFrom(api, PROBER, unknownToken())).status).toBe(404);
    const after = (await anonymous()).slice(before + 21);
    expect(after).toEqual([
      {
        viewerId: 'anonymous',
        recordingId: '*',
        patientId: null,
        reason: 'rate_limited',
        operation: 'stream',
        suppressed: { count: 3, firstAt: start.toISOString(), lastAt: start.toISOString() },
      },
      grantUnknown,
    ]);
    const [rateLimited] = (await world.events('access-anonymous')).slice(before + 21);
    expect(rateLimited).toMatchObject({ type: 'ReplayDenied', actor: { role: 'system' } });
  });

  it('records the refusals of a block that ended without another request, at the housekeeping round', async () => {
    const start = world.clock.now;
    const before = (await anonymous()).length;
    for (let i = 0; i < 20; i++) await getFrom(api, BYSTANDER, unknownToken());
    expect((await getFrom(api, BYSTANDER, unknownToken())).status).toBe(429);
    expect((await getFrom(api, BYSTANDER, unknownToken())).status).toBe(429);

    await api.get(ReplayHousekeeping).tick();
    expect((await anonymous()).slice(before).filter((d) => d.reason === 'rate_limited')).toEqual([]);

    world.clock.now = secondsLater(start, 120);
    await api.get(ReplayHousekeeping).tick();
    const events = (await anonymous()).slice(before);
    expect(events.filter((d) => d.reason === 'grant_unknown')).toHaveLength(20);
    expect(events.filter((d) => d.reason === 'rate_limited')).toEqual([
      expect.objectContaining({ suppressed: expect.objectContaining({ count: 2 }) }),
    ]);
  });

  it('prunes a grant long expired, answering its URL with the same 404 and auditing it as an unknown token', async () => {
    const issuedAt = world.clock.now;
    const url = await grantUrl();
    const readModel = api.get<ReplayAccessQueries>(REPLAY_ACCESS_QUERIES);
    const held = await readModel.grantCount();

    world.clock.now = new Date(issuedAt.getTime() + GRANT_TTL_SECONDS * 1000 + GRANT_PRUNE_GRACE_MS - 1);
    const expired = await getFrom(api, VIEWER, url);
    expect(expired.status).toBe(404);
    expect((await world.events(`access-${patientId}`)).at(-1)).toMatchObject({ data: { reason: 'grant_expired', recordingId } });
    expect(await readModel.grantCount()).toBe(held);

    world.clock.now = new Date(issuedAt.getTime() + GRANT_TTL_SECONDS * 1000 + GRANT_PRUNE_GRACE_MS + 1);
    const before = (await anonymous()).length;
    const pruned = await getFrom(api, VIEWER, url);
    expect(pruned.status).toBe(404);
    expect(problemShape(pruned)).toEqual(problemShape(expired));
    expect(await readModel.grantCount()).toBeLessThan(held);
    expect((await anonymous()).slice(before)).toEqual([
      { viewerId: 'anonymous', recordingId: '*', patientId: null, reason: 'grant_unknown', operation: 'stream' },
    ]);
  });

  it('prunes every long-expired grant at the housekeeping round, without anyone asking', async () => {
    await grantUrl();
    const readModel = api.get<ReplayAccessQueries>(REPLAY_ACCESS_QUERIES);
    expect(await readModel.grantCount()).toBeGreaterThan(0);
    world.clock.now = new Date(world.clock.now.getTime() + GRANT_TTL_SECONDS * 1000 + GRANT_PRUNE_GRACE_MS + 1);
    await api.get(ReplayHousekeeping).tick();
    expect(await readModel.grantCount()).toBe(0);
  });

  it.each([
    ['REPLAY_PROBE_LIMIT', 'lots', /REPLAY_PROBE_LIMIT: .*accepts a whole number from 1 to 100000/],
    ['REPLAY_PROBE_LIMIT', '0', /REPLAY_PROBE_LIMIT: .*accepts a whole number from 1 to 100000/],
    ['REPLAY_PROBE_WINDOW_SECONDS', '-5', /REPLAY_PROBE_WINDOW_SECONDS: .*accepts a whole number from 1 to 86400/],
    ['REPLAY_PROBE_WINDOW_SECONDS', '1m', /REPLAY_PROBE_WINDOW_SECONDS: .*accepts a whole number from 1 to 86400/],
  ])('refuses to boot with %s=%s, naming the variable', async (name, value, message) => {
    await expect(world.start({ [name]: value })).rejects.toThrow(message);
  });
});

describe('a configured probe limit', () => {
  const world = new ReplayWorld();
  let api: ContextTestApp;

  beforeAll(async () => {
    api = await world.start({ REPLAY_PROBE_LIMIT: '2', REPLAY_PROBE_WINDOW_SECONDS: '10' });
  });
  afterAll(async () => {
    await api?.close();
    await world.close();
  });

  it('throttles after REPLAY_PROBE_LIMIT probes for REPLAY_PROBE_WINDOW_SECONDS', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await getFrom(api, PROBER, unknownToken())).status);
    expect(statuses).toEqual([404, 404, 429]);
    world.clock.now = secondsLater(world.clock.now, 11);
    expect((await getFrom(api, PROBER, unknownToken())).status).toBe(404);
  });

  it('records refusals still pending when the service stops', async () => {
    for (let i = 0; i < 3; i++) await getFrom(api, BYSTANDER, unknownToken());
    await api.close();
    const events = (await world.events('access-anonymous')).map((e) => e.data as Record<string, unknown>);
    expect(events.filter((d) => d.reason === 'rate_limited').map((d) => (d.suppressed as { count: number }).count)).toEqual([1, 1]);
  });
});
