import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsultationEventData, TOPICS } from '@vgp/contracts';
import { logLevel } from 'kafkajs';
import { KafkaMessageBus } from '@vgp/messaging/kafka';
import { NamespacedMessageBus } from '@vgp/runtime';
import { anIntegrationEvent, PlatformClient, SignallingClient } from '@vgp/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite runs the services the way the dev tool does
import { devJwtSecret, freePort, ManagedService } from '../../../../tools/distributed/platform.js';
import { deleteKafkaNamespace, dropEventStoreSchemas, dropMongoDatabases, localServers } from './distributed-test-platform.js';

// Two replicas of signalling, each its own OS process (apps/signalling-service), sharing what production shares:
// the PostgreSQL event store (one schema), the MongoDB read models and Kafka, which carries the consultations in
// and the signalling frames between the replicas (ADR 0024). The clinician is on one replica, the patient on the other.
const CLINIC = 'clinic-north';
const PING_INTERVAL_SECONDS = 2;
const IDLE_TIMEOUT_SECONDS = 6;
// A frame crosses Kafka; a silent socket is noticed within idle timeout + one ping interval.
const FRAME_WAIT_MS = 30_000;

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe('signalling at two replicas', () => {
  const run = `e2e-sigrep-${randomUUID().slice(0, 8)}`;
  const baseDir = mkdtempSync(join(tmpdir(), `vgp-${run}-`));
  const replicas: ManagedService[] = [];
  const sockets: SignallingClient[] = [];
  let servers: Record<string, string>;
  let bus: NamespacedMessageBus;
  let a: PlatformClient;
  let b: PlatformClient;

  beforeAll(async () => {
    servers = await localServers();
    const env = {
      ...servers,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SOFTWARE_VERSION: `e2e-sigrep-${process.pid}`,
      JWT_SECRET: devJwtSecret(),
      KAFKA_NAMESPACE: run,
      SIGNALLING_PING_INTERVAL_SECONDS: String(PING_INTERVAL_SECONDS),
      SIGNALLING_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT_SECONDS),
    };
    // One after the other: the first migrates the shared schema. Each keeps its log under a folder of its own.
    for (const replica of ['a', 'b']) {
      const dir = join(baseDir, replica);
      mkdirSync(dir, { recursive: true });
      const service = new ManagedService('signalling', '127.0.0.1', await freePort(), dir, { baseDir: dir, env, readyTimeoutMs: 110_000 });
      replicas.push(service);
      await service.restart();
    }
    [a, b] = replicas.map((r) => new PlatformClient(r.url));
    bus = new NamespacedMessageBus(
      new KafkaMessageBus({ brokers: servers.KAFKA_BROKERS.split(','), clientId: `vgp-${run}`, client: { logLevel: logLevel.NOTHING } }),
      run,
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await Promise.allSettled(replicas.map((r) => r.kill('SIGTERM')));
    await Promise.allSettled(replicas.map((r) => r.closeLog()));
    await bus?.close();
    if (servers) {
      await deleteKafkaNamespace(servers.KAFKA_BROKERS, `${run}.`).catch(() => undefined);
      await dropMongoDatabases(servers.MONGO_URL, `${run}_`).catch(() => undefined);
      await dropEventStoreSchemas(servers.EVENTSTORE_MIGRATION_URL, run).catch(() => undefined);
    }
    rmSync(baseDir, { recursive: true, force: true });
  }, 60_000);

  /** Books a consultation the way booking announces it on Kafka; both replicas learn it through their inbox. */
  const book = async () => {
    const booking: ConsultationEventData['ConsultationBooked'] = {
      consultationId: randomUUID(),
      clinicId: CLINIC,
      patientId: `patient-${randomUUID().slice(0, 8)}`,
      clinicianId: `dr-${randomUUID().slice(0, 8)}`,
      startsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      durationMinutes: 30,
      mode: 'audio',
    };
    await bus.publish(TOPICS.consultation, [
      {
        key: booking.consultationId,
        event: anIntegrationEvent('ConsultationBooked', booking, { actor: { id: 'admin-1', role: 'clinic_admin', clinicId: CLINIC } }),
      },
    ]);
    return {
      ...booking,
      clinician: await a.token(booking.clinicianId, ['clinician'], CLINIC),
      patient: await b.token(booking.patientId, ['patient'], CLINIC),
    };
  };

  /** Starts the call, retrying while the replica has not read the booking from Kafka yet. */
  const startCall = async (via: PlatformClient, consultationId: string, token: string) => {
    const deadline = Date.now() + FRAME_WAIT_MS;
    for (;;) {
      const answer = await via.request('POST', `/v1/consultations/${consultationId}/calls`, { token, body: {} });
      if (answer.status !== 404 || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const joinCall = async (via: PlatformClient, callId: string, token: string, options?: { answerPings?: boolean }) => {
    const socket = await via.signalling(options);
    sockets.push(socket);
    socket.send({ type: 'join', callId, token });
    return { socket, joined: await socket.next('joined', FRAME_WAIT_MS) };
  };

  it('connects a clinician and a patient on different replicas: one call, join, offer, answer, ICE, media switches, leave and end', async () => {
    const c = await book();
    // Both press "call" at once, each on their own replica: the store lets one call start.
    const [fromA, fromB] = await Promise.all([startCall(a, c.consultationId, c.clinician), startCall(b, c.consultationId, c.patient)]);
    expect([fromA.status, fromB.status].sort()).toEqual([200, 201]);
    expect(fromA.body.callId).toBe(fromB.body.callId);
    const { callId, segmentId } = fromA.body as { callId: string; segmentId: string };

    const dr = await joinCall(a, callId, c.clinician);
    expect(dr.socket.welcome).toEqual({
      type: 'welcome',
      pingIntervalSeconds: PING_INTERVAL_SECONDS,
      idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      joinTimeoutSeconds: 15,
    });
    const patient = await joinCall(b, callId, c.patient);
    // Who is in the call comes from the shared store, not from the replica's own sockets.
    expect(patient.joined.peers).toEqual([{ userId: c.clinicianId, role: 'clinician' }]);
    await dr.socket.next('peer-joined', FRAME_WAIT_MS);

    dr.socket.send({ type: 'offer', sdp: 'v=0 offer-from-dr' });
    await patient.socket.next('offer', FRAME_WAIT_MS);
    patient.socket.send({ type: 'answer', sdp: 'v=0 answer-from-patient' });
    await dr.socket.next('answer', FRAME_WAIT_MS);
    const drCandidate = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    const patientCandidate = { candidate: 'candidate:2 1 udp 2122260223 10.0.0.2 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    dr.socket.send({ type: 'ice', candidate: drCandidate });
    patient.socket.send({ type: 'ice', candidate: patientCandidate });
    await patient.socket.next('ice', FRAME_WAIT_MS);
    await dr.socket.next('ice', FRAME_WAIT_MS);

    patient.socket.send({ type: 'switch-media', mode: 'video' });
    const toVideo = await dr.socket.next('media-switched', FRAME_WAIT_MS);
    expect(await patient.socket.next('media-switched', FRAME_WAIT_MS)).toEqual(toVideo);
    dr.socket.send({ type: 'switch-media', mode: 'audio' });
    const toAudio = await patient.socket.next('media-switched', FRAME_WAIT_MS);
    expect(await dr.socket.next('media-switched', FRAME_WAIT_MS)).toEqual(toAudio);

    patient.socket.send({ type: 'leave' });
    await dr.socket.next('peer-left', FRAME_WAIT_MS);
    const back = await joinCall(b, callId, c.patient);
    await dr.socket.next('peer-joined', FRAME_WAIT_MS);
    dr.socket.send({ type: 'end' });
    await back.socket.next('call-ended', FRAME_WAIT_MS);
    await dr.socket.next('call-ended', FRAME_WAIT_MS);

    // Each side received exactly the other's messages, once, in order, and nothing of its own.
    const segment = (switched: Record<string, unknown>) => ({ segmentId: switched.segmentId });
    expect(dr.socket.received).toEqual([
      { type: 'joined', callId, consultationId: c.consultationId, mode: 'audio', segmentId, peers: [] },
      { type: 'peer-joined', userId: c.patientId, role: 'patient' },
      { type: 'answer', from: c.patientId, sdp: 'v=0 answer-from-patient' },
      { type: 'ice', from: c.patientId, candidate: patientCandidate },
      { type: 'media-switched', mode: 'video', segmentSeq: 2, by: c.patientId, ...segment(toVideo) },
      { type: 'media-switched', mode: 'audio', segmentSeq: 3, by: c.clinicianId, ...segment(toAudio) },
      { type: 'peer-left', userId: c.patientId, role: 'patient' },
      { type: 'peer-joined', userId: c.patientId, role: 'patient' },
      { type: 'call-ended', callId, reason: 'hangup' },
    ]);
    expect(patient.socket.received).toEqual([
      {
        type: 'joined',
        callId,
        consultationId: c.consultationId,
        mode: 'audio',
        segmentId,
        peers: [{ userId: c.clinicianId, role: 'clinician' }],
      },
      { type: 'offer', from: c.clinicianId, sdp: 'v=0 offer-from-dr' },
      { type: 'ice', from: c.clinicianId, candidate: drCandidate },
      { type: 'media-switched', mode: 'video', segmentSeq: 2, by: c.patientId, ...segment(toVideo) },
      { type: 'media-switched', mode: 'audio', segmentSeq: 3, by: c.clinicianId, ...segment(toAudio) },
    ]);
    expect(back.socket.received).toEqual([
      {
        type: 'joined',
        callId,
        consultationId: c.consultationId,
        mode: 'audio',
        segmentId: toAudio.segmentId,
        peers: [{ userId: c.clinicianId, role: 'clinician' }],
      },
      { type: 'call-ended', callId, reason: 'hangup' },
    ]);

    // Either replica answers the same history: three segments of one call, ended.
    for (const via of [a, b]) {
      const view = await via.request('GET', `/v1/calls/${callId}`, { token: c.patient });
      expect(view.body).toMatchObject({
        status: 'ended',
        segments: [
          { segmentId, seq: 1, mode: 'audio' },
          { segmentId: toVideo.segmentId, seq: 2, mode: 'video' },
          { segmentId: toAudio.segmentId, seq: 3, mode: 'audio' },
        ],
      });
    }
  });

  it('closes a socket that stops answering pings, and tells the participant on the other replica that they left', async () => {
    const c = await book();
    const started = await startCall(a, c.consultationId, c.clinician);
    expect(started.status).toBe(201);
    const { callId } = started.body as { callId: string };
    const dr = await joinCall(a, callId, c.clinician);
    // The patient's network died: the socket stays open on the client's side but nothing answers any more.
    const patient = await joinCall(b, callId, c.patient, { answerPings: false });
    expect(patient.socket.welcome).toMatchObject({ pingIntervalSeconds: PING_INTERVAL_SECONDS, idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS });
    await dr.socket.next('peer-joined', FRAME_WAIT_MS);

    expect(await dr.socket.next('peer-left', FRAME_WAIT_MS)).toEqual({ type: 'peer-left', userId: c.patientId, role: 'patient' });
    expect(await patient.socket.closed).toBe(1006); // cut, not closed: a dead peer cannot finish a close handshake
    const view = await b.request('GET', `/v1/calls/${callId}`, { token: c.clinician });
    expect(view.body).toMatchObject({
      status: 'active',
      participants: [
        { userId: c.patientId, role: 'patient', online: false },
        { userId: c.clinicianId, role: 'clinician', online: true },
      ],
    });
    // The clinician sent nothing all along, but answered every ping: still connected, still in the call.
    dr.socket.send({ type: 'switch-media', mode: 'video' });
    expect(await dr.socket.next('media-switched', FRAME_WAIT_MS)).toMatchObject({ mode: 'video', by: c.clinicianId });
  });
});
