import { DEV_JWT_SECRET } from '@vgp/auth';
import { type ConsultationEventData, type IntegrationEvent, type Role, TOPICS } from '@vgp/contracts';
import { InProcessMessageBus } from '@vgp/messaging';
import { CLOCK } from '@vgp/platform';
import { anIntegrationEvent, ContextTestApp, eventually, PlatformClient, SignallingClient } from '@vgp/testing';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { SignallingModule } from './signalling.module.js';

const CLINIC = 'clinic-north';

type Booking = ConsultationEventData['ConsultationBooked'];

const admin = { actor: { id: 'admin-1', role: 'clinic_admin' as const } };

// The server's time (CLOCK); tokens keep real time.
const NOW = Date.parse('2026-03-02T10:00:00.000Z');
let now = NOW;

describe('signalling: calls between the booked patient and clinician', () => {
  let app: ContextTestApp;
  let bus: InProcessMessageBus;
  // Only for the WebSocket: REST goes through the app's own request.
  let api: PlatformClient;
  const published: IntegrationEvent[] = [];
  const sockets: SignallingClient[] = [];

  beforeAll(async () => {
    bus = new InProcessMessageBus();
    await bus.subscribe({ groupId: 'probe', topics: [TOPICS.call], handler: async (event) => void published.push(event) });
    app = await ContextTestApp.start({
      serviceName: 'signalling',
      context: (adapters) => SignallingModule.forRoot(adapters),
      env: { CALL_JOIN_GRACE_MINUTES: '15' },
      bus,
      override: (builder) => builder.overrideProvider(CLOCK).useValue(() => new Date(now)),
    });
    await app.app.listen(0, '127.0.0.1');
    const address = app.app.getHttpServer().address() as { port: number };
    api = new PlatformClient(`http://127.0.0.1:${address.port}`);
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await app.close();
    await bus.close();
  });

  const tokenFor = (sub: string, role: Role, clinicId = CLINIC) => app.token(sub, role, clinicId);

  /** Books a consultation the way booking would announce it, and waits until signalling has it. */
  const book = async (overrides: Partial<Booking> = {}) => {
    const booking: Booking = {
      consultationId: randomUUID(),
      clinicId: CLINIC,
      patientId: `patient-${randomUUID().slice(0, 8)}`,
      clinicianId: `dr-${randomUUID().slice(0, 8)}`,
      startsAt: new Date(now + 5 * 60_000).toISOString(),
      durationMinutes: 20,
      mode: 'audio',
      ...overrides,
    };
    await bus.publish(TOPICS.consultation, [
      { key: booking.consultationId, event: anIntegrationEvent('ConsultationBooked', booking, admin) },
    ]);
    return {
      ...booking,
      patient: await tokenFor(booking.patientId, 'patient', booking.clinicId),
      clinician: await tokenFor(booking.clinicianId, 'clinician', booking.clinicId),
    };
  };

  const startCall = (consultationId: string, token: string) =>
    app.request('POST', `/v1/consultations/${consultationId}/calls`, { as: token, body: {} });

  const connect = async () => {
    const socket = await api.signalling();
    sockets.push(socket);
    return socket;
  };

  const join = async (callId: string, token: string) => {
    const socket = await connect();
    socket.send({ type: 'join', callId, token });
    return { socket, joined: await socket.next('joined') };
  };

  /** A round trip through the server: every frame sent before it has been handled. */
  const settle = async (socket: SignallingClient) => {
    socket.send('{"type":"ping"}');
    await socket.next('error');
  };

  const withoutRequestFields = ({ instance: _i, correlationId: _c, ...rest }: Record<string, unknown>) => rest;

  const callStream = async (callId: string) => (await app.eventStore.readStream(`call-${callId}`)).map((e) => e.type);

  describe('starting a call over REST', () => {
    it("starts the consultation's call in the booked media mode, and hands the other participant the same call", async () => {
      const c = await book({ mode: 'video' });
      const first = await startCall(c.consultationId, c.clinician);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ callId: expect.any(String), segmentId: expect.any(String), mode: 'video' });

      const second = await startCall(c.consultationId, c.patient);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      expect(await callStream(first.body.callId)).toEqual(['CallStarted']);
    });

    it('starts only one call when both participants press "call" at the same moment', async () => {
      const c = await book();
      const answers = await Promise.all([startCall(c.consultationId, c.clinician), startCall(c.consultationId, c.patient)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      expect(answers[0].body.callId).toBe(answers[1].body.callId);
    });

    it("answers someone else's consultation exactly like one that does not exist, or a malformed id", async () => {
      const c = await book();
      const stranger = await tokenFor('patient-stranger', 'patient');
      const foreign = await startCall(c.consultationId, stranger);
      const otherClinic = await startCall(c.consultationId, await tokenFor(c.patientId, 'patient', 'clinic-south'));
      const unknown = await startCall(randomUUID(), c.patient);
      const malformed = await startCall('not-a-uuid', c.patient);
      for (const answer of [foreign, otherClinic, unknown, malformed]) {
        expect(answer.status).toBe(404);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(withoutRequestFields(answer.body as never)).toEqual(withoutRequestFields(unknown.body as never));
      }
    });

    it('refuses a call long before the booked time and says when joining opens', async () => {
      const startsAt = new Date(now + 3 * 3_600_000);
      const c = await book({ startsAt: startsAt.toISOString() });
      const answer = await startCall(c.consultationId, c.patient);
      expect(answer.status).toBe(409);
      const opensAt = new Date(startsAt.getTime() - 15 * 60_000).toISOString();
      expect(answer.body).toMatchObject({ type: expect.stringContaining('outside-booked-window'), opensAt });
      expect((answer.body as unknown as { detail: string }).detail).toContain(opensAt);
    });

    it('refuses a call for a cancelled consultation', async () => {
      const c = await book();
      await bus.publish(TOPICS.consultation, [
        {
          key: c.consultationId,
          event: anIntegrationEvent('ConsultationCancelled', { consultationId: c.consultationId, reason: 'patient_request' }, admin),
        },
      ]);
      await eventually(async () => expect((await startCall(c.consultationId, c.clinician)).status).toBe(409));
    });

    it('refuses a body that tries to choose anything about the call', async () => {
      const c = await book();
      const answer = await app.request('POST', `/v1/consultations/${c.consultationId}/calls`, {
        as: c.patient,
        body: { patientId: 'someone-else', mode: 'video' },
      });
      expect(answer.status).toBe(400);
    });

    it('shows a call to its participants only', async () => {
      const c = await book();
      const { body } = await startCall(c.consultationId, c.clinician);
      const own = await app.request('GET', `/v1/calls/${body.callId}`, { as: c.patient });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({
        callId: body.callId,
        consultationId: c.consultationId,
        status: 'active',
        mode: 'audio',
        currentSegmentId: body.segmentId,
        segments: [{ segmentId: body.segmentId, seq: 1, mode: 'audio' }],
        participants: [
          { userId: c.patientId, role: 'patient', online: false },
          { userId: c.clinicianId, role: 'clinician', online: false },
        ],
      });
      const foreign = await app.request('GET', `/v1/calls/${body.callId}`, { as: await tokenFor('patient-stranger', 'patient') });
      const unknown = await app.request('GET', `/v1/calls/${randomUUID()}`, { as: c.patient });
      const malformed = await app.request('GET', '/v1/calls/xyz', { as: c.patient });
      for (const answer of [foreign, unknown, malformed]) {
        expect(answer.status).toBe(404);
        expect(withoutRequestFields(answer.body)).toEqual(withoutRequestFields(unknown.body));
      }
    });
  });

  describe('signalling over the WebSocket', () => {
    it('relays offer and answer between the two participants only, never into another call', async () => {
      const a = await book();
      const b = await book();
      const callA = (await startCall(a.consultationId, a.clinician)).body;
      const callB = (await startCall(b.consultationId, b.clinician)).body;

      const drA = await join(callA.callId, a.clinician);
      expect(drA.joined).toEqual({
        type: 'joined',
        callId: callA.callId,
        consultationId: a.consultationId,
        mode: 'audio',
        segmentId: callA.segmentId,
        peers: [],
      });
      const patientA = await join(callA.callId, a.patient);
      expect(patientA.joined.peers).toEqual([{ userId: a.clinicianId, role: 'clinician' }]);
      expect(await drA.socket.next('peer-joined')).toMatchObject({ userId: a.patientId, role: 'patient' });

      // Patient B, booked on another consultation, tries to join call A.
      const intruder = await connect();
      intruder.send({ type: 'join', callId: callA.callId, token: b.patient });
      const refused = await intruder.next('error');
      const unknownCall = await connect();
      unknownCall.send({ type: 'join', callId: randomUUID(), token: b.patient });
      expect(refused).toEqual(await unknownCall.next('error'));
      expect(refused).toMatchObject({ code: 'not_found' });

      const drB = await join(callB.callId, b.clinician);

      drA.socket.send({ type: 'offer', sdp: 'v=0 offer-from-dr-a' });
      expect(await patientA.socket.next('offer')).toEqual({ type: 'offer', from: a.clinicianId, sdp: 'v=0 offer-from-dr-a' });
      patientA.socket.send({ type: 'answer', sdp: 'v=0 answer-from-patient-a' });
      expect(await drA.socket.next('answer')).toEqual({ type: 'answer', from: a.patientId, sdp: 'v=0 answer-from-patient-a' });
      patientA.socket.send({
        type: 'ice',
        candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      });
      expect(await drA.socket.next('ice')).toMatchObject({ from: a.patientId });

      await Promise.all([settle(drA.socket), settle(patientA.socket), settle(drB.socket), settle(intruder)]);
      // Nobody hears their own frames, and nothing of call A reaches the intruder or call B.
      expect(drA.socket.received.map((m) => m.type)).not.toContain('offer');
      expect(patientA.socket.received.map((m) => m.type)).not.toContain('answer');
      expect(intruder.received.map((m) => m.type)).toEqual(['error', 'error']);
      expect(drB.socket.received.map((m) => m.type)).toEqual(['joined', 'error']);
      expect(await callStream(callA.callId)).toEqual(['CallStarted', 'ParticipantJoined', 'ParticipantJoined']);
    });

    it('switches media for everyone in the call, opening the next segment of the same call and consultation', async () => {
      const c = await book({ mode: 'audio' });
      const call = (await startCall(c.consultationId, c.clinician)).body;
      const dr = await join(call.callId, c.clinician);
      const patient = await join(call.callId, c.patient);

      patient.socket.send({ type: 'switch-media', mode: 'video' });
      const seenByDoctor = await dr.socket.next('media-switched');
      const seenByPatient = await patient.socket.next('media-switched');
      expect(seenByDoctor).toEqual({
        type: 'media-switched',
        mode: 'video',
        segmentId: expect.any(String),
        segmentSeq: 2,
        by: c.patientId,
      });
      expect(seenByPatient).toEqual(seenByDoctor);
      expect(seenByDoctor.segmentId).not.toBe(call.segmentId);

      // Switching to the mode the call is already in changes nothing and tells nobody.
      dr.socket.send({ type: 'switch-media', mode: 'video' });
      await settle(dr.socket);
      await settle(patient.socket);
      expect(patient.socket.received.filter((m) => m.type === 'media-switched')).toHaveLength(1);

      const view = await app.request('GET', `/v1/calls/${call.callId}`, { as: c.patient });
      expect(view.body).toMatchObject({
        consultationId: c.consultationId,
        mode: 'video',
        currentSegmentId: seenByDoctor.segmentId,
        segments: [
          { segmentId: call.segmentId, seq: 1, mode: 'audio' },
          { segmentId: seenByDoctor.segmentId, seq: 2, mode: 'video' },
        ],
      });
      const switched = (await app.eventStore.readStream(`call-${call.callId}`)).find((e) => e.type === 'MediaModeSwitched');
      expect(switched?.data).toMatchObject({
        callId: call.callId,
        consultationId: c.consultationId,
        closedSegmentId: call.segmentId,
        segmentSeq: 2,
      });
      expect(switched?.actor).toEqual({ id: c.patientId, role: 'patient', clinicId: c.clinicId });
    });

    it('records leaving and hanging up before telling anyone, and publishes the call history', async () => {
      const c = await book();
      const call = (await startCall(c.consultationId, c.clinician)).body;
      const dr = await join(call.callId, c.clinician);
      const patient = await join(call.callId, c.patient);

      await patient.socket.close(); // closing the socket is leaving
      expect(await dr.socket.next('peer-left')).toEqual({ type: 'peer-left', userId: c.patientId, role: 'patient' });
      expect(await callStream(call.callId)).toEqual(['CallStarted', 'ParticipantJoined', 'ParticipantJoined', 'ParticipantLeft']);

      const again = await join(call.callId, c.patient);
      dr.socket.send({ type: 'end' });
      expect(await again.socket.next('call-ended')).toMatchObject({ callId: call.callId, reason: 'hangup' });
      expect(await dr.socket.next('call-ended')).toMatchObject({ callId: call.callId, reason: 'hangup' });
      expect((await callStream(call.callId)).slice(-1)).toEqual(['CallEnded']);

      // An ended call takes no one back, and a new start opens a new call.
      const late = await connect();
      late.send({ type: 'join', callId: call.callId, token: c.patient });
      expect(await late.next('error')).toMatchObject({ code: 'call_ended' });
      const next = await startCall(c.consultationId, c.patient);
      expect(next.status).toBe(201);
      expect(next.body.callId).not.toBe(call.callId);

      await eventually(() => {
        const ofCall = published.filter((e) => (e.data as { callId?: string }).callId === call.callId).map((e) => e.type);
        expect(ofCall).toEqual([
          'CallStarted',
          'ParticipantJoined',
          'ParticipantJoined',
          'ParticipantLeft',
          'ParticipantJoined',
          'CallEnded',
        ]);
      });
    });

    it('refuses to let a participant join once the booked slot and its grace period are over', async () => {
      const c = await book();
      const call = (await startCall(c.consultationId, c.clinician)).body;
      now = NOW + 5 * 60_000 + (20 + 15) * 60_000 + 1;
      try {
        const late = await connect();
        late.send({ type: 'join', callId: call.callId, token: c.patient });
        expect(await late.next('error')).toMatchObject({ code: 'outside_booked_window', detail: expect.stringContaining('closes at') });
      } finally {
        now = NOW;
      }
      expect(await callStream(call.callId)).toEqual(['CallStarted']);
    });

    it('ends a running call when its consultation is cancelled, and tells everyone in it', async () => {
      const c = await book();
      const call = (await startCall(c.consultationId, c.clinician)).body;
      const dr = await join(call.callId, c.clinician);
      await bus.publish(TOPICS.consultation, [
        {
          key: c.consultationId,
          event: anIntegrationEvent('ConsultationCancelled', { consultationId: c.consultationId, reason: 'clinic_request' }, admin),
        },
      ]);
      expect(await dr.socket.next('call-ended')).toMatchObject({ callId: call.callId, reason: 'consultation_cancelled' });
      const ended = (await app.eventStore.readStream(`call-${call.callId}`)).at(-1);
      expect(ended).toMatchObject({ type: 'CallEnded', actor: { role: 'system' } });
    });

    describe('refuses to let anyone in without a valid token', () => {
      const sign = (secret: string, expiresAt: number) =>
        new SignJWT({ roles: ['patient'], clinicId: CLINIC })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('patient-x')
          .setIssuer('vgp-dev')
          .setAudience('vgp-api')
          .setIssuedAt()
          .setExpirationTime(expiresAt)
          .sign(new TextEncoder().encode(secret));

      it.each([
        ['a forged token', () => sign('another-secret-that-is-long-enough-0123456789', Math.floor(Date.now() / 1000) + 300)],
        ['an expired token', () => sign(DEV_JWT_SECRET, Math.floor(Date.now() / 1000) - 120)],
        ['garbage', async () => 'not.a.jwt'],
      ])('%s', async (_name, token) => {
        const c = await book({ patientId: 'patient-x' });
        const call = (await startCall(c.consultationId, c.clinician)).body;
        const dr = await join(call.callId, c.clinician);
        const socket = await connect();
        socket.send({ type: 'join', callId: call.callId, token: await token() });
        expect(await socket.next('error')).toMatchObject({ code: 'unauthenticated' });
        dr.socket.send({ type: 'offer', sdp: 'v=0 secret' });
        await settle(dr.socket);
        expect(socket.received.map((m) => m.type)).toEqual(['error']);
        expect(dr.socket.received.map((m) => m.type)).not.toContain('peer-joined');
      });

      it('a token in the URL, which would end up in logs', async () => {
        const url = new URL('/v1/signalling?token=abc', api.baseUrl);
        url.protocol = 'ws:';
        const socket = new WebSocket(url);
        const frames: string[] = [];
        socket.on('message', (data) => frames.push(data.toString()));
        const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
        expect(code).toBe(1008);
        expect(JSON.parse(frames[0])).toMatchObject({ type: 'error', code: 'invalid_message' });
      });
    });

    it('answers malformed frames with an error and keeps serving the socket', async () => {
      const c = await book();
      const call = (await startCall(c.consultationId, c.clinician)).body;
      const socket = await connect();
      socket.send({ type: 'offer', sdp: 'v=0 before join' });
      expect(await socket.next('error')).toMatchObject({ code: 'not_joined' });
      for (const frame of [
        'not json',
        '[]',
        '{"type":"dance"}',
        JSON.stringify({ type: 'join', callId: call.callId }),
        JSON.stringify({ type: 'join', callId: call.callId, token: c.clinician, consultationId: randomUUID() }),
        JSON.stringify({ type: 'join', callId: 42, token: c.clinician }),
      ]) {
        socket.send(frame);
        expect(await socket.next('error')).toMatchObject({ code: 'invalid_message', detail: expect.any(String) });
      }
      socket.send({ type: 'join', callId: call.callId, token: c.clinician });
      expect(await socket.next('joined')).toMatchObject({ callId: call.callId });
      socket.send({ type: 'switch-media', mode: 'hologram' });
      expect(await socket.next('error')).toMatchObject({ code: 'invalid_message' });
      await settle(socket);
      const view = await app.request('GET', `/v1/calls/${call.callId}`, { as: c.clinician });
      expect(view.body).toMatchObject({ status: 'active', mode: 'audio' });
      // Errors never echo what was sent, tokens least of all.
      for (const frame of socket.received) expect(JSON.stringify(frame)).not.toContain(c.clinician);
    });

    it('closes a socket that sends a frame over 64 KiB, and records the participant as gone', async () => {
      const c = await book();
      const call = (await startCall(c.consultationId, c.clinician)).body;
      const dr = await join(call.callId, c.clinician);
      const url = new URL('/v1/signalling', api.baseUrl);
      url.protocol = 'ws:';
      const raw = new WebSocket(url);
      await new Promise((resolve) => raw.once('open', resolve));
      raw.send(JSON.stringify({ type: 'join', callId: call.callId, token: c.patient }));
      await dr.socket.next('peer-joined');
      const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
      raw.send(JSON.stringify({ type: 'offer', sdp: 'x'.repeat(70_000) }));
      expect(await closed).toBe(1009);
      expect(await dr.socket.next('peer-left')).toMatchObject({ userId: c.patientId });
      expect(dr.socket.received.map((m) => m.type)).not.toContain('offer');
    });
  });
});
