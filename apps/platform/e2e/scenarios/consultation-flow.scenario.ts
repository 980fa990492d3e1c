import { randomUUID } from 'node:crypto';
import { eventually, PlatformClient, SignallingClient } from '@vgp/testing';

export type ConsultationFlowOptions = {
  /** A client of the platform under test: embedded, or the distributed services behind the gateway. */
  api: PlatformClient;
  /** The SOFTWARE_VERSION the platform stamps on every event. */
  softwareVersion: string;
  /** A clinic of its own, so runs on shared servers never see each other. */
  clinicId?: string;
};

/**
 * The whole consultation flow over real HTTP and a real WebSocket: two consultations at the same time with
 * different clinicians, both switching media mid-call, the shape of the incident this platform exists to
 * prevent. Every party must keep to their own consultation, and the audit must show who saw what.
 * Shared by the embedded and the distributed end-to-end suites; call it inside an `it`.
 */
export async function consultationFlowScenario(options: ConsultationFlowOptions): Promise<void> {
  const { api, softwareVersion } = options;
  const platform = { softwareVersion };
  const clinicId = options.clinicId ?? `clinic-${randomUUID().slice(0, 8)}`;
  const people = {
    admin: 'admin-1',
    drA: 'dr-a',
    drB: 'dr-b',
    patientA: 'patient-a',
    patientB: 'patient-b',
    officer: 'officer-1',
  };
  const tokens: Record<keyof typeof people, string> = {} as never;
  const sockets: SignallingClient[] = [];
  tokens.admin = await api.token(people.admin, ['clinic_admin'], clinicId);
  tokens.drA = await api.token(people.drA, ['clinician'], clinicId);
  tokens.drB = await api.token(people.drB, ['clinician'], clinicId);
  tokens.patientA = await api.token(people.patientA, ['patient'], clinicId);
  tokens.patientB = await api.token(people.patientB, ['patient'], clinicId);
  tokens.officer = await api.token(people.officer, ['compliance_officer'], clinicId);

  const book = async (patientId: string, clinicianId: string, mode: 'audio' | 'video') => {
    const startsAt = new Date(Date.now() + 60_000).toISOString();
    const answer = await api.request('POST', '/v1/consultations', {
      token: tokens.admin,
      body: { patientId, clinicianId, startsAt, durationMinutes: 30, mode },
    });
    expect(answer.status).toBe(201);
    return answer.body.consultationId as string;
  };

  const startCall = (consultationId: string, token: string) =>
    eventually(async () => {
      const answer = await api.request('POST', `/v1/consultations/${consultationId}/calls`, { token, body: {} });
      expect([200, 201]).toContain(answer.status);
      return answer.body as { callId: string; segmentId: string; mode: string };
    });

  const join = async (callId: string, token: string) => {
    const socket = await api.signalling();
    sockets.push(socket);
    socket.send({ type: 'join', callId, token });
    const joined = await socket.next('joined');
    return { socket, joined };
  };

  const upload = (callId: string, token: string, contentType: string, data: Buffer) =>
    eventually(async () => {
      const answer = await api.request('POST', `/v1/calls/${callId}/recordings`, { token, raw: { contentType, data } });
      expect(answer.status).toBe(201);
      return answer.body as { recordingId: string; consultationId: string; segmentId: string; mode: string; sha256: string };
    });

  const media = (label: string) => Buffer.from(`${label}:`.padEnd(4096, label));

  try {
    // 1. Two consultations are booked for the same time with different clinicians.
    const consultationA = await book(people.patientA, people.drA, 'audio');
    const consultationB = await book(people.patientB, people.drB, 'video');

    // 2. Both participants join; offer and answer reach the other participant only.
    const callA = await startCall(consultationA, tokens.drA);
    const callB = await startCall(consultationB, tokens.drB);
    const drA = await join(callA.callId, tokens.drA);
    const patientA = await join(callA.callId, tokens.patientA);
    const drB = await join(callB.callId, tokens.drB);
    const patientB = await join(callB.callId, tokens.patientB);
    expect(drA.joined).toMatchObject({ callId: callA.callId, consultationId: consultationA });

    drA.socket.send({ type: 'offer', sdp: 'v=0 offer-from-dr-a' });
    expect(await patientA.socket.next('offer')).toMatchObject({ sdp: 'v=0 offer-from-dr-a' });
    patientA.socket.send({ type: 'answer', sdp: 'v=0 answer-from-patient-a' });
    expect(await drA.socket.next('answer')).toMatchObject({ sdp: 'v=0 answer-from-patient-a' });

    // 3. Each call uploads a segment, switches media, and uploads the next segment.
    const a1 = await upload(callA.callId, tokens.drA, 'audio/webm', media('A1'));
    const b1 = await upload(callB.callId, tokens.drB, 'video/webm', media('B1'));
    patientA.socket.send({ type: 'switch-media', mode: 'video' });
    patientB.socket.send({ type: 'switch-media', mode: 'audio' });
    const switchedA = await drA.socket.next('media-switched');
    const switchedB = await drB.socket.next('media-switched');
    expect(switchedA).toMatchObject({ mode: 'video', segmentSeq: 2 });
    expect(switchedB).toMatchObject({ mode: 'audio', segmentSeq: 2 });
    const a2 = await eventually(async () => {
      const r = await upload(callA.callId, tokens.patientA, 'video/webm', media('A2'));
      expect(r.segmentId).toBe(switchedA.segmentId);
      return r;
    });
    const b2 = await eventually(async () => {
      const r = await upload(callB.callId, tokens.drB, 'audio/webm', media('B2'));
      expect(r.segmentId).toBe(switchedB.segmentId);
      return r;
    });
    expect([a1.consultationId, a2.consultationId]).toEqual([consultationA, consultationA]);
    expect([a1.mode, a2.mode]).toEqual(['audio', 'video']);
    expect([b1.consultationId, b2.consultationId]).toEqual([consultationB, consultationB]);

    // Relayed frames never crossed calls.
    expect(drB.socket.received.map((m) => m.type)).not.toContain('offer');
    expect(patientB.socket.received.map((m) => m.type)).not.toContain('answer');

    // 4. The first patient lists and streams their own recording.
    const listA = await eventually(async () => {
      const answer = await api.request('GET', '/v1/replays', { token: tokens.patientA });
      expect(answer.status).toBe(200);
      expect(answer.body.items).toHaveLength(2);
      return answer.body.items as Array<{ recordingId: string; consultationId: string }>;
    });
    expect(listA.map((i) => i.recordingId).sort()).toEqual([a1.recordingId, a2.recordingId].sort());
    expect(new Set(listA.map((i) => i.consultationId))).toEqual(new Set([consultationA]));

    const grant = await api.request('POST', `/v1/recordings/${a2.recordingId}/replay-grants`, { token: tokens.patientA, body: {} });
    expect(grant.status).toBe(201);
    const streamed = await api.request('GET', grant.body.url, { headers: { range: 'bytes=3-99' } });
    expect(streamed.status).toBe(206);
    expect(streamed.headers.get('content-range')).toBe('bytes 3-99/4096');
    expect(streamed.bytes.equals(media('A2').subarray(3, 100))).toBe(true);

    // 5. The second patient sees only their own, and every id of the first patient answers 404.
    const listB = await eventually(async () => {
      const answer = await api.request('GET', '/v1/replays', { token: tokens.patientB });
      expect(answer.body.items).toHaveLength(2);
      return answer.body.items as Array<{ recordingId: string }>;
    });
    expect(listB.map((i) => i.recordingId).sort()).toEqual([b1.recordingId, b2.recordingId].sort());
    const unknown = await api.request('POST', `/v1/recordings/${randomUUID()}/replay-grants`, { token: tokens.patientB, body: {} });
    for (const id of [a1.recordingId, a2.recordingId]) {
      const denied = await api.request('POST', `/v1/recordings/${id}/replay-grants`, { token: tokens.patientB, body: {} });
      expect(denied.status).toBe(404);
      expect(withoutRequestFields(denied.body)).toEqual(withoutRequestFields(unknown.body));
    }
    const foreignConsultation = await api.request('GET', `/v1/consultations/${consultationA}`, { token: tokens.patientB });
    expect(foreignConsultation.status).toBe(404);
    const foreignCall = await api.request('POST', `/v1/calls/${callA.callId}/recordings`, {
      token: tokens.patientB,
      raw: { contentType: 'audio/webm', data: media('X') },
    });
    expect(foreignCall.status).toBe(404);

    // 6. The audit shows each list, grant, denial and stream, in order, with actor and software version.
    const replayActions = ['ReplayListed', 'ReplayGranted', 'ReplayDenied', 'ReplayStreamed'];
    const audit = await eventually(async () => {
      const answer = await api.request('GET', '/v1/audit/events?limit=500', { token: tokens.officer });
      expect(answer.status).toBe(200);
      const items = (answer.body.items as AuditItem[]).filter((i) => replayActions.includes(i.action));
      expect(items.filter((i) => i.action === 'ReplayDenied')).toHaveLength(3);
      expect(items.filter((i) => i.action === 'ReplayStreamed')).toHaveLength(1);
      return items;
    });
    const byPatientA = audit.filter((i) => i.actor.id === people.patientA).map((i) => i.action);
    expect(byPatientA.filter((a) => a !== 'ReplayListed').slice(-2)).toEqual(['ReplayGranted', 'ReplayStreamed']);
    expect(byPatientA.indexOf('ReplayListed')).toBeLessThan(byPatientA.indexOf('ReplayGranted'));
    for (const item of audit) {
      expect(item.softwareVersion).toBe(platform.softwareVersion);
      expect(item.actor.role).toMatch(/patient|clinician/);
    }
    const streamedEntry = audit.find((i) => i.action === 'ReplayStreamed');
    expect(streamedEntry?.data).toMatchObject({ recordingId: a2.recordingId, rangeStart: 3, rangeEnd: 99 });
    const deniedToB = audit.filter((i) => i.action === 'ReplayDenied' && i.actor.id === people.patientB);
    expect(deniedToB.map((i) => (i.data as { recordingId: string }).recordingId)).toEqual(
      expect.arrayContaining([a1.recordingId, a2.recordingId]),
    );
    const seqs = audit.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));

    // The first patient's own access log names no recording of the second patient.
    const log = await api.request('GET', '/v1/me/access-log', { token: tokens.patientA });
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).not.toContain(b1.recordingId);
    expect(JSON.stringify(log.body)).toContain(a2.recordingId);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}

type AuditItem = {
  seq: number;
  action: string;
  actor: { id: string; role: string };
  softwareVersion: string;
  data: unknown;
};

const withoutRequestFields = (body: Record<string, unknown>) => {
  const { instance: _i, correlationId: _c, ...rest } = body;
  return rest;
};
