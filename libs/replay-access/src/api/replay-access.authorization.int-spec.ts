import { randomUUID } from 'node:crypto';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type Role } from '@vgp/contracts';
import { type StoredEvent } from '@vgp/event-store';
import { type Answer, ContextTestApp } from '@vgp/testing';
import { FEATURE_FLAGS, mediaOf, problemShape, ReplayWorld, settled, SOFTWARE_VERSION } from '../testing/replay-world.js';

/**
 * Deny by default (invariant 2) over real HTTP: every role against every endpoint, on the caller's own
 * recordings and on other people's. Anything that is not the caller's answers exactly like something that
 * does not exist, and every answer is in the audit before it arrives (invariant 3).
 */
describe('who may list, replay and share which recording', () => {
  const world = new ReplayWorld();
  let api: ContextTestApp;

  const north = 'clinic-north';
  const south = 'clinic-south';
  const people = {
    amira: { id: 'patient-amira', roles: ['patient'] as Role[], clinicId: north },
    ben: { id: 'patient-ben', roles: ['patient'] as Role[], clinicId: north },
    okafor: { id: 'dr-okafor', roles: ['clinician'] as Role[], clinicId: north },
    lindqvist: { id: 'dr-lindqvist', roles: ['clinician'] as Role[], clinicId: north },
    zed: { id: 'patient-zed', roles: ['patient'] as Role[], clinicId: south },
    // The right id from the wrong clinic: a token of another tenant must not open north's recordings.
    amiraElsewhere: { id: 'patient-amira', roles: ['patient'] as Role[], clinicId: south },
    admin: { id: 'admin-ada', roles: ['clinic_admin'] as Role[], clinicId: north },
    officer: { id: 'compliance-cora', roles: ['compliance_officer'] as Role[], clinicId: north },
  };
  type Person = keyof typeof people;
  const tokens = {} as Record<Person, string>;

  // Two consultations at the same hour that both switched media mid-call (the incident's shape), and one elsewhere.
  const amiras = { consultationId: randomUUID(), callId: randomUUID(), recordings: [randomUUID(), randomUUID()] };
  const bens = { consultationId: randomUUID(), callId: randomUUID(), recordings: [randomUUID(), randomUUID(), randomUUID()] };
  const zeds = { consultationId: randomUUID(), callId: randomUUID(), recordings: [randomUUID()] };

  beforeAll(async () => {
    api = await world.start();
    for (const [name, p] of Object.entries(people)) tokens[name as Person] = await api.token(p.id, p.roles, p.clinicId);
    const consultations = [
      { c: amiras, clinicId: north, patientId: people.amira.id, clinicianId: people.okafor.id, modes: ['audio', 'video'] as const },
      { c: bens, clinicId: north, patientId: people.ben.id, clinicianId: people.lindqvist.id, modes: ['video', 'audio', 'video'] as const },
      { c: zeds, clinicId: south, patientId: people.zed.id, clinicianId: 'dr-south', modes: ['audio'] as const },
    ];
    for (const { c, clinicId, patientId, clinicianId, modes } of consultations) {
      await world.book({ consultationId: c.consultationId, clinicId, patientId, clinicianId });
      for (const [i, mode] of modes.entries()) {
        await world.record(
          {
            recordingId: c.recordings[i],
            consultationId: c.consultationId,
            callId: c.callId,
            segmentId: randomUUID(),
            segmentSeq: i + 1,
            clinicId,
            patientId,
            clinicianId,
            mode,
          },
          mediaOf(`${patientId}-${i + 1}`),
        );
      }
    }
    await settled(api);
  });

  afterAll(async () => {
    await api?.close();
    await world.close();
  });

  const lastEventOf = async (viewerId: string): Promise<StoredEvent> => {
    const events = await world.events(`access-${viewerId}`);
    return events[events.length - 1];
  };

  /** The event that describes an answer is already stored when the answer arrives, stamped with who, release and flags. */
  const expectAudited = async (person: Person, type: string, data: Record<string, unknown>, before: number) => {
    const events = await world.events(`access-${people[person].id}`);
    expect(events.length).toBe(before + 1);
    const event = events[events.length - 1];
    expect(event).toMatchObject({ type, data, softwareVersion: SOFTWARE_VERSION, featureFlags: FEATURE_FLAGS });
    expect(event.actor.id).toBe(people[person].id);
    expect(people[person].roles).toContain(event.actor.role);
    // The clinic of the token it was made under, so the audit files it there (ADR 0022): the same id from
    // another clinic (amiraElsewhere) is filed under that clinic, not where the id has bookings.
    expect(event.actor.clinicId).toBe(people[person].clinicId);
    return event;
  };
  const countOf = async (person: Person) => (await world.events(`access-${people[person].id}`)).length;

  describe('GET /v1/replays', () => {
    const listCases: Array<[Person, string[]]> = [
      ['amira', amiras.recordings],
      ['ben', bens.recordings],
      ['okafor', amiras.recordings],
      ['lindqvist', bens.recordings],
      ['zed', zeds.recordings],
      ['amiraElsewhere', []],
    ];

    it.each(listCases)('lists %s exactly their own consultations’ segments, audited before the answer', async (person, expected) => {
      const before = await countOf(person);
      const answer = await api.request('GET', '/v1/replays', { as: tokens[person] });
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      const items = answer.body.items as Array<{ recordingId: string; consultationId: string; segmentSeq: number; basis: string }>;
      expect(items.map((i) => i.recordingId)).toEqual(expected);
      expect(items.map((i) => i.segmentSeq)).toEqual(expected.map((_, i) => i + 1));
      for (const item of items) expect(item.basis).toBe('participant');
      const event = await expectAudited(person, 'ReplayListed', { recordingIds: expected, viewerId: people[person].id }, before);
      expect(new Set((event.data as { consultationIds: string[] }).consultationIds).size).toBe(expected.length ? 1 : 0);
    });

    it('shows an item’s details and nothing more', async () => {
      const answer = await api.request('GET', '/v1/replays', { as: tokens.amira });
      const [first, second] = answer.body.items as Array<Record<string, unknown>>;
      expect(Object.keys(first).sort()).toEqual([
        'basis',
        'bytes',
        'callId',
        'consultationId',
        'contentType',
        'mode',
        'recordedAt',
        'recordingId',
        'segmentSeq',
      ]);
      expect(first).toMatchObject({
        consultationId: amiras.consultationId,
        callId: amiras.callId,
        mode: 'audio',
        contentType: 'audio/webm',
        bytes: 4096,
      });
      expect(second).toMatchObject({ mode: 'video', contentType: 'video/webm' });
    });

    it.each<Person>(['admin', 'officer'])('refuses a %s with 403: replays are for patients and clinicians', async (person) => {
      const answer = await api.request('GET', '/v1/replays', { as: tokens[person] });
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('refuses a request without a token with 401', async () => expect((await api.request('GET', '/v1/replays')).status).toBe(401));
  });

  describe('POST /v1/recordings/:id/replay-grants', () => {
    let nonexistent: Answer;
    beforeAll(async () => {
      nonexistent = await api.request('POST', `/v1/recordings/${randomUUID()}/replay-grants`, { as: tokens.amira, body: {} });
    });

    it('answers an unknown recording with a 404 problem that reveals nothing', () => {
      expect(nonexistent.status).toBe(404);
      expect(nonexistent.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problemShape(nonexistent)).toEqual({
        type: expect.stringContaining('recording-not-found'),
        title: expect.any(String),
        status: 404,
        detail: expect.any(String),
      });
    });

    const grantMatrix: Array<[string, Person, 201 | 404, () => string, string | null]> = [
      ['the patient, their own first segment', 'amira', 201, () => amiras.recordings[0], null],
      ['the patient, their own segment after the switch', 'amira', 201, () => amiras.recordings[1], null],
      ['the clinician, their consultation', 'okafor', 201, () => amiras.recordings[1], null],
      ['another patient', 'ben', 404, () => amiras.recordings[0], 'not_a_participant'],
      ['another clinician', 'lindqvist', 404, () => amiras.recordings[0], 'not_a_participant'],
      ['a patient of another clinic', 'zed', 404, () => amiras.recordings[0], 'not_a_participant'],
      ['the patient’s id from another clinic', 'amiraElsewhere', 404, () => amiras.recordings[0], 'not_a_participant'],
      ['a clinic administrator', 'admin', 404, () => amiras.recordings[0], 'not_a_participant'],
      ['a compliance officer', 'officer', 404, () => bens.recordings[2], 'not_a_participant'],
      ['the patient, an id that does not exist', 'amira', 404, () => randomUUID(), 'not_found'],
    ];

    it.each(grantMatrix)('%s (%s) answers %i', async (_label, person, status, recordingOf, reason) => {
      const recordingId = recordingOf();
      const before = await countOf(person);
      const answer = await api.request('POST', `/v1/recordings/${recordingId}/replay-grants`, { as: tokens[person], body: {} });
      expect(answer.status).toBe(status);
      expect(answer.headers['cache-control']).toBe('no-store');
      if (status === 201) {
        const body = answer.body as { grantId: string; url: string; expiresAt: string };
        expect(body.url).toMatch(/^\/v1\/replay-streams\/[A-Za-z0-9_-]{43}$/);
        const event = await expectAudited(
          person,
          'ReplayGranted',
          { grantId: body.grantId, recordingId, expiresAt: body.expiresAt, basis: 'participant' },
          before,
        );
        // Only the hash of the token is stored.
        expect(JSON.stringify(event)).not.toContain(body.url.split('/').pop());
      } else {
        expect(problemShape(answer)).toEqual(problemShape(nonexistent));
        const isKnown = reason !== 'not_found';
        await expectAudited(
          person,
          'ReplayDenied',
          { recordingId, reason, operation: 'grant', patientId: isKnown ? expect.any(String) : null },
          before,
        );
      }
    });

    it('answers a malformed id exactly like an unknown one', async () => {
      const answer = await api.request('POST', '/v1/recordings/not-a-uuid/replay-grants', { as: tokens.amira, body: {} });
      expect(answer.status).toBe(404);
      expect(problemShape(answer)).toEqual(problemShape(nonexistent));
    });

    it('refuses unknown fields in the body with 400', async () => {
      const answer = await api.request('POST', `/v1/recordings/${amiras.recordings[0]}/replay-grants`, {
        as: tokens.amira,
        body: { viewerId: 'patient-ben' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ field: 'viewerId', messages: expect.any(Array) }]);
    });
  });

  describe('GET /v1/replay-streams/:token', () => {
    it('answers unknown and malformed tokens with one identical 404, audited as anonymous', async () => {
      const before = (await world.events('access-anonymous')).length;
      const unknown = await api.request('GET', `/v1/replay-streams/${Buffer.alloc(32, 7).toString('base64url')}`);
      const malformed = await api.request('GET', '/v1/replay-streams/not-a-token!');
      expect([unknown.status, malformed.status]).toEqual([404, 404]);
      expect(problemShape(malformed)).toEqual(problemShape(unknown));
      expect(unknown.headers['referrer-policy']).toBe('no-referrer');
      const events = await world.events('access-anonymous');
      expect(events.slice(before).map((e) => e.data)).toEqual([
        { viewerId: 'anonymous', recordingId: '*', patientId: null, reason: 'grant_unknown', operation: 'stream' },
        { viewerId: 'anonymous', recordingId: '*', patientId: null, reason: 'grant_unknown', operation: 'stream' },
      ]);
    });

    it('records a stream as a view by the person the grant was issued to, whoever holds the URL', async () => {
      const grant = await api.request('POST', `/v1/recordings/${bens.recordings[1]}/replay-grants`, { as: tokens.ben, body: {} });
      const before = await countOf('ben');
      const answer = await api.request('GET', grant.body.url as string);
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(mediaOf(`${people.ben.id}-2`))).toBe(true);
      await expectAudited(
        'ben',
        'ReplayStreamed',
        { recordingId: bens.recordings[1], patientId: people.ben.id, rangeStart: 0, rangeEnd: 4095, totalBytes: 4096 },
        before,
      );
    });
  });

  describe('POST /v1/recordings/:id/shares and DELETE …/shares/:shareId', () => {
    const until = () => new Date(world.clock.now.getTime() + 7 * 86_400_000).toISOString();
    const shareBody = () => ({ granteeId: 'carer-cleo', purpose: 'carer', until: until() });
    let nonexistentShare: Answer;
    let nonexistentRecording: Answer;

    beforeAll(async () => {
      nonexistentRecording = await api.request('POST', `/v1/recordings/${randomUUID()}/shares`, { as: tokens.amira, body: shareBody() });
      nonexistentShare = await api.request('DELETE', `/v1/recordings/${amiras.recordings[0]}/shares/${randomUUID()}`, { as: tokens.amira });
    });

    const shareMatrix: Array<[string, Person, 201 | 404]> = [
      ['the patient who owns the recording', 'amira', 201],
      ['the clinician of the consultation', 'okafor', 404],
      ['another patient', 'ben', 404],
      ['the patient’s id from another clinic', 'amiraElsewhere', 404],
      ['a clinic administrator', 'admin', 404],
      ['a compliance officer', 'officer', 404],
    ];

    it.each(shareMatrix)('sharing by %s (%s) answers %i', async (_label, person, status) => {
      const before = await countOf(person);
      const answer = await api.request('POST', `/v1/recordings/${amiras.recordings[0]}/shares`, { as: tokens[person], body: shareBody() });
      expect(answer.status).toBe(status);
      if (status === 201) {
        const body = answer.body;
        expect(body).toMatchObject({
          recordingId: amiras.recordings[0],
          granteeId: 'carer-cleo',
          purpose: 'carer',
          shareId: expect.any(String),
        });
        const [stored] = await world.events(`share-${body.shareId as string}`);
        expect(stored).toMatchObject({
          type: 'ShareGranted',
          actor: { id: people.amira.id, role: 'patient' },
          softwareVersion: SOFTWARE_VERSION,
        });
      } else {
        expect(problemShape(answer)).toEqual(problemShape(nonexistentRecording));
        await expectAudited(
          person,
          'ReplayDenied',
          { recordingId: amiras.recordings[0], reason: 'not_a_participant', operation: 'share' },
          before,
        );
      }
    });

    it('answers a malformed recording id like an unknown one', async () => {
      const answer = await api.request('POST', '/v1/recordings/123/shares', { as: tokens.amira, body: shareBody() });
      expect(problemShape(answer)).toEqual(problemShape(nonexistentRecording));
    });

    it('checks the body before anything else and names the bad fields', async () => {
      const answer = await api.request('POST', `/v1/recordings/${amiras.recordings[0]}/shares`, {
        as: tokens.amira,
        body: { granteeId: '', purpose: 'gossip', until: 'tomorrow', patientId: 'patient-ben' },
      });
      expect(answer.status).toBe(400);
      expect((answer.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
        'granteeId',
        'patientId',
        'purpose',
        'until',
      ]);
    });

    it('refuses a share that ends in the past or more than a year away with 400', async () => {
      for (const end of [new Date(world.clock.now.getTime() - 1000), new Date(world.clock.now.getTime() + 400 * 86_400_000)]) {
        const answer = await api.request('POST', `/v1/recordings/${amiras.recordings[0]}/shares`, {
          as: tokens.amira,
          body: { ...shareBody(), until: end.toISOString() },
        });
        expect(answer.status).toBe(400);
      }
    });

    it('lets only the owner revoke, answering everyone else like an unknown share', async () => {
      const given = await api.request('POST', `/v1/recordings/${amiras.recordings[1]}/shares`, { as: tokens.amira, body: shareBody() });
      const shareId = given.body.shareId as string;
      expect(nonexistentShare.status).toBe(404);
      const carer = await api.token('carer-cleo', ['patient'], north);
      for (const token of [tokens.ben, tokens.okafor, tokens.admin, tokens.officer, tokens.amiraElsewhere, carer]) {
        const answer = await api.request('DELETE', `/v1/recordings/${amiras.recordings[1]}/shares/${shareId}`, { as: token });
        expect(answer.status).toBe(404);
        expect(problemShape(answer)).toEqual(problemShape(nonexistentShare));
      }
      const underOtherRecording = await api.request('DELETE', `/v1/recordings/${amiras.recordings[0]}/shares/${shareId}`, {
        as: tokens.amira,
      });
      expect(problemShape(underOtherRecording)).toEqual(problemShape(nonexistentShare));
      const malformed = await api.request('DELETE', `/v1/recordings/${amiras.recordings[1]}/shares/nope`, { as: tokens.amira });
      expect(problemShape(malformed)).toEqual(problemShape(nonexistentShare));
      const before = await countOf('ben');
      await api.request('DELETE', `/v1/recordings/${amiras.recordings[1]}/shares/${shareId}`, { as: tokens.ben });
      await expectAudited(
        'ben',
        'ReplayDenied',
        { recordingId: amiras.recordings[1], operation: 'revoke_share', reason: 'not_a_participant' },
        before,
      );

      const revoked = await api.request('DELETE', `/v1/recordings/${amiras.recordings[1]}/shares/${shareId}`, { as: tokens.amira });
      expect(revoked.status).toBe(204);
      expect((await world.events(`share-${shareId}`)).map((e) => e.type)).toEqual(['ShareGranted', 'ShareRevoked']);
      const again = await api.request('DELETE', `/v1/recordings/${amiras.recordings[1]}/shares/${shareId}`, { as: tokens.amira });
      expect(again.status).toBe(204);
      expect((await world.events(`share-${shareId}`)).map((e) => e.type)).toEqual(['ShareGranted', 'ShareRevoked']);
    });
  });

  it('documents every endpoint in OpenAPI', async () => {
    // The test app serves no Swagger UI; the document is built from the same controllers.
    const doc = SwaggerModule.createDocument(api.app, new DocumentBuilder().build()) as unknown as {
      paths: Record<string, Record<string, { tags?: string[]; responses: object }>>;
    };
    for (const [path, method] of [
      ['/v1/replays', 'get'],
      ['/v1/recordings/{id}/replay-grants', 'post'],
      ['/v1/replay-streams/{token}', 'get'],
      ['/v1/recordings/{id}/shares', 'post'],
      ['/v1/recordings/{id}/shares/{shareId}', 'delete'],
    ]) {
      expect(doc.paths[path]?.[method]?.tags?.length).toBeGreaterThan(0);
      expect(Object.keys(doc.paths[path][method].responses).length).toBeGreaterThan(2);
    }
  });

  it('never lets a patient’s list name another patient, whatever else was asked before', async () => {
    for (const person of ['amira', 'ben', 'zed'] as const) {
      await api.request('GET', '/v1/replays', { as: tokens[person] });
      const event = await lastEventOf(people[person].id);
      expect(event.type).toBe('ReplayListed');
      expect((event.data as { patientIds: string[] }).patientIds).toEqual([people[person].id]);
    }
  });
});
