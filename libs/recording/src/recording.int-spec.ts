import { type IntegrationEvent, type MediaMode, type RecordingEventData, type Role, TOPICS } from '@vgp/contracts';
import { type EventStore, EventStoreUnavailable, SqliteEventStore, WrongExpectedRevision } from '@vgp/event-store';
import { InProcessMessageBus } from '@vgp/messaging';
import { anIntegrationEvent, ContextTestApp, eventually } from '@vgp/testing';
import fc from 'fast-check';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { RecordingModule } from './recording.module.js';

const CLINIC = 'clinic-north';
const MAX_UPLOAD_BYTES = 16 * 1024;

type Call = {
  consultationId: string;
  callId: string;
  patientId: string;
  clinicianId: string;
  patient: string;
  clinician: string;
  /** The segments as signalling opened them, in order. */
  segments: { segmentId: string; seq: number; mode: MediaMode }[];
};

describe('recording: uploads bound on the server to the call they belong to', () => {
  let app: ContextTestApp;
  let bus: InProcessMessageBus;
  /** The app on a real socket, for bodies that never end or arrive in chunks. */
  let baseUrl: string;
  /** When set, every append to a recording stream fails with this error. */
  let failRecordingAppends: ((streamId: string) => Error) | null = null;
  const published: IntegrationEvent[] = [];

  beforeAll(async () => {
    bus = new InProcessMessageBus();
    await bus.subscribe({ groupId: 'probe', topics: [TOPICS.recording], handler: async (event) => void published.push(event) });
    app = await ContextTestApp.start({
      serviceName: 'recording',
      context: (adapters) => RecordingModule.forRoot(adapters),
      env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
      bus,
      objectStore: true,
      // The real store, except that appends of recordings can be made to fail on demand.
      eventStore: (dir) =>
        new Proxy(new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 }), {
          get(target, property, receiver) {
            if (property === 'append') {
              return (streamId: string, ...rest: unknown[]) => {
                if (failRecordingAppends && streamId.startsWith('recording-')) return Promise.reject(failRecordingAppends(streamId));
                return (target.append as (...args: unknown[]) => unknown).call(target, streamId, ...rest);
              };
            }
            const value = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as EventStore,
    });
    await app.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app.close();
    await bus.close();
  });

  const tokenFor = (sub: string, role: Role, clinicId = CLINIC) => app.token(sub, role, clinicId);

  /** Booking books, signalling starts the call: both announced on the bus as those contexts would. */
  const bookAndStartCall = async (mode: MediaMode = 'audio'): Promise<Call> => {
    const consultationId = randomUUID();
    const callId = randomUUID();
    const segmentId = randomUUID();
    const patientId = `patient-${randomUUID().slice(0, 8)}`;
    const clinicianId = `dr-${randomUUID().slice(0, 8)}`;
    await bus.publish(TOPICS.consultation, [
      {
        key: consultationId,
        event: anIntegrationEvent('ConsultationBooked', {
          consultationId,
          clinicId: CLINIC,
          patientId,
          clinicianId,
          startsAt: new Date().toISOString(),
          durationMinutes: 20,
          mode,
        }),
      },
    ]);
    await bus.publish(TOPICS.call, [
      {
        key: consultationId,
        event: anIntegrationEvent(
          'CallStarted',
          { callId, consultationId, clinicId: CLINIC, patientId, clinicianId, mode, segmentId, startedBy: clinicianId },
          { streamId: `call-${callId}` },
        ),
      },
    ]);
    return {
      consultationId,
      callId,
      patientId,
      clinicianId,
      patient: await tokenFor(patientId, 'patient'),
      clinician: await tokenFor(clinicianId, 'clinician'),
      segments: [{ segmentId, seq: 1, mode }],
    };
  };

  const switchMedia = async (call: Call): Promise<void> => {
    const current = call.segments[call.segments.length - 1];
    const next = { segmentId: randomUUID(), seq: current.seq + 1, mode: (current.mode === 'audio' ? 'video' : 'audio') as MediaMode };
    await bus.publish(TOPICS.call, [
      {
        key: call.consultationId,
        event: anIntegrationEvent(
          'MediaModeSwitched',
          {
            callId: call.callId,
            consultationId: call.consultationId,
            from: current.mode,
            to: next.mode,
            closedSegmentId: current.segmentId,
            segmentId: next.segmentId,
            segmentSeq: next.seq,
            switchedBy: call.patientId,
          },
          { streamId: `call-${call.callId}` },
        ),
      },
    ]);
    call.segments.push(next);
  };

  const endCall = (call: Call) =>
    bus.publish(TOPICS.call, [
      {
        key: call.consultationId,
        event: anIntegrationEvent(
          'CallEnded',
          {
            callId: call.callId,
            consultationId: call.consultationId,
            lastSegmentId: call.segments[call.segments.length - 1].segmentId,
            reason: 'hangup',
          },
          { streamId: `call-${call.callId}` },
        ),
      },
    ]);

  const media = (label: string, size = 4096) => Buffer.from(`${label}:`.padEnd(size, label));
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

  const upload = (
    callId: string,
    token: string,
    contentType: string,
    data: Buffer | string,
    options: { query?: string; headers?: Record<string, string> } = {},
  ) =>
    app.request('POST', `/v1/calls/${callId}/recordings${options.query ?? ''}`, {
      as: token,
      raw: { contentType, data },
      headers: options.headers,
    });

  const storedRecordings = async () =>
    (await app.stored('recording')).map((e) => ({ ...(e.data as RecordingEventData['RecordingStored']), actor: e.actor }));

  const objectFiles = (): string[] => {
    const walk = (dir: string): string[] => {
      try {
        return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
      } catch {
        return [];
      }
    };
    return walk(join(app.dir, 'objects', 'data'));
  };

  /** Asserts the request changed nothing: no event, no object. */
  const expectNothingStored = async (action: () => Promise<unknown>) => {
    const events = (await storedRecordings()).length;
    const files = objectFiles().length;
    await action();
    expect((await storedRecordings()).length).toBe(events);
    expect(objectFiles()).toHaveLength(files);
  };

  const withoutRequestFields = ({ instance: _i, correlationId: _c, ...rest }: Record<string, unknown>) => rest;

  it("files an upload under the call's consultation, patient, clinician and current segment", async () => {
    const call = await bookAndStartCall('audio');
    const data = media('A1');
    const answer = await upload(call.callId, call.clinician, 'audio/webm;codecs=opus', data);
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      recordingId: expect.any(String),
      consultationId: call.consultationId,
      callId: call.callId,
      segmentId: call.segments[0].segmentId,
      segmentSeq: 1,
      mode: 'audio',
      bytes: data.length,
      sha256: sha(data),
    });
    const [event] = (await storedRecordings()).filter((r) => r.recordingId === answer.body.recordingId);
    expect(event).toMatchObject({
      consultationId: call.consultationId,
      clinicId: CLINIC,
      patientId: call.patientId,
      clinicianId: call.clinicianId,
      contentType: 'audio/webm',
      uploadedBy: call.clinicianId,
      objectKey: `recordings/${CLINIC}/${call.consultationId}/${call.callId}/${answer.body.recordingId}`,
      actor: { id: call.clinicianId, role: 'clinician' },
    });
    await eventually(() =>
      expect(published.map((e) => (e.data as { recordingId: string }).recordingId)).toContain(answer.body.recordingId),
    );
  });

  it('after a switch to video, files the next upload in the new segment of the same consultation', async () => {
    const call = await bookAndStartCall('audio');
    await switchMedia(call);
    const video = await upload(call.callId, call.patient, 'video/webm', media('A2'));
    expect(video.status).toBe(201);
    expect(video.body).toMatchObject({
      consultationId: call.consultationId,
      segmentId: call.segments[1].segmentId,
      segmentSeq: 2,
      mode: 'video',
    });

    // A late upload of the first segment, named explicitly, keeps its own mode and place.
    const late = await upload(call.callId, call.clinician, 'audio/webm', media('A1'), {
      query: `?segmentId=${call.segments[0].segmentId}`,
    });
    expect(late.status).toBe(201);
    expect(late.body).toMatchObject({ consultationId: call.consultationId, segmentSeq: 1, mode: 'audio' });

    // Audio bytes cannot be filed under the video segment.
    const mismatch = await upload(call.callId, call.patient, 'audio/webm', media('X'));
    expect(mismatch.status).toBe(409);
  });

  it("answers someone else's call exactly like one that does not exist, and stores nothing", async () => {
    const amira = await bookAndStartCall();
    const ben = await bookAndStartCall();
    const unknown = await upload(randomUUID(), ben.patient, 'audio/webm', media('X'));
    await expectNothingStored(async () => {
      const answers = [
        await upload(amira.callId, ben.patient, 'audio/webm', media('X')),
        await upload(amira.callId, ben.clinician, 'audio/webm', media('X')),
        await upload(amira.callId, await tokenFor(amira.patientId, 'patient', 'clinic-south'), 'audio/webm', media('X')),
        await upload('not-a-uuid', ben.patient, 'audio/webm', media('X')),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(withoutRequestFields(answer.body)).toEqual(withoutRequestFields(unknown.body));
      }
    });
    // A segment of another call is not one of this call's.
    const foreignSegment = await upload(amira.callId, amira.patient, 'audio/webm', media('X'), {
      query: `?segmentId=${ben.segments[0].segmentId}`,
    });
    expect(foreignSegment.status).toBe(404);
  });

  it('answers a stranger before reading a byte of the body', async () => {
    const amira = await bookAndStartCall();
    const stranger = await tokenFor('patient-stranger', 'patient');
    // The body never ends: only an answer given before reading it can arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${baseUrl}/v1/calls/${amira.callId}/recordings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stranger}`, 'content-type': 'audio/webm', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(media('X', 1024));
    });
    expect(status).toBe(404);
  });

  it('refuses uploads to a call that has ended', async () => {
    const call = await bookAndStartCall();
    await endCall(call);
    await expectNothingStored(async () => {
      const answer = await upload(call.callId, call.clinician, 'audio/webm', media('X'));
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ type: expect.stringContaining('call-ended') });
    });
  });

  it.each(['application/json', 'application/pdf', 'text/plain'])('refuses a %s body with 415', async (contentType) => {
    const call = await bookAndStartCall();
    await expectNothingStored(async () => {
      const answer = await upload(call.callId, call.clinician, contentType, contentType === 'application/json' ? '{}' : 'hello');
      expect(answer.status).toBe(415);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  it('refuses a query that tries to say anything but the segment', async () => {
    const call = await bookAndStartCall();
    await expectNothingStored(async () => {
      const answer = await upload(call.callId, call.clinician, 'audio/webm', media('X'), {
        query: `?consultationId=${randomUUID()}&patientId=p`,
      });
      expect(answer.status).toBe(400);
    });
  });

  describe('an upload larger than MAX_UPLOAD_BYTES', () => {
    it('is refused with 413 when its declared length is too large', async () => {
      const call = await bookAndStartCall();
      await expectNothingStored(async () => {
        const answer = await upload(call.callId, call.clinician, 'audio/webm', media('X', MAX_UPLOAD_BYTES + 1));
        expect(answer.status).toBe(413);
      });
    });

    it('is refused with 413 when streamed without a length, leaving nothing behind', async () => {
      const call = await bookAndStartCall();
      await expectNothingStored(async () => {
        const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(`${baseUrl}/v1/calls/${call.callId}/recordings`, {
            method: 'POST',
            headers: { authorization: `Bearer ${call.clinician}`, 'content-type': 'audio/webm', 'transfer-encoding': 'chunked' },
          });
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          });
          req.on('error', reject);
          for (let i = 0; i < 5; i++) req.write(media(`chunk${i}`, 4096));
          req.end();
        });
        expect(status).toBe(413);
        expect(JSON.parse(body)).toMatchObject({ type: expect.stringMatching(/\/upload-too-large$/), maxBytes: MAX_UPLOAD_BYTES });
      });
    });
  });

  it('keeps an upload whose declared SHA-256 matches, and discards one whose does not', async () => {
    const call = await bookAndStartCall();
    const data = media('checked');
    const ok = await upload(call.callId, call.clinician, 'audio/webm', data, { headers: { 'x-content-sha256': sha(data).toUpperCase() } });
    expect(ok.status).toBe(201);
    await expectNothingStored(async () => {
      const bad = await upload(call.callId, call.clinician, 'audio/webm', data, {
        headers: { 'x-content-sha256': sha(Buffer.from('other')) },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ type: expect.stringContaining('checksum-mismatch') });
      const malformed = await upload(call.callId, call.clinician, 'audio/webm', data, { headers: { 'x-content-sha256': 'xyz' } });
      expect(malformed.status).toBe(400);
    });
  });

  it('answers 503 and keeps no bytes when the recording cannot be recorded', async () => {
    const call = await bookAndStartCall();
    failRecordingAppends = () => new EventStoreUnavailable('disk full');
    try {
      await expectNothingStored(async () => {
        const answer = await upload(call.callId, call.clinician, 'audio/webm', media('X'));
        expect(answer.status).toBe(503);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(answer.body).toMatchObject({
          type: expect.stringMatching(/\/store-unavailable$/),
          detail: 'The recording could not be recorded and was not kept; upload it again shortly.',
        });
      });
    } finally {
      failRecordingAppends = null;
    }
  });

  it('answers 409 concurrent-update and keeps no bytes when other writers keep winning the recording stream', async () => {
    const call = await bookAndStartCall();
    let attempts = 0;
    failRecordingAppends = (streamId) => {
      attempts++;
      return new WrongExpectedRevision(streamId, 'no_stream', 0);
    };
    try {
      await expectNothingStored(async () => {
        const answer = await upload(call.callId, call.clinician, 'audio/webm', media('X'));
        expect(answer.status).toBe(409);
        expect(answer.body).toMatchObject({ type: expect.stringMatching(/\/concurrent-update$/) });
      });
      expect(attempts).toBe(3);
    } finally {
      failRecordingAppends = null;
    }
  });

  it('files every upload under its own call, whatever the switches and order of uploads across two concurrent calls', async () => {
    type Step = { kind: 'switch' | 'upload'; call: 0 | 1; byPatient: boolean; earlier: number | null };
    const steps = fc.array(
      fc.record<Step>({
        kind: fc.constantFrom('switch', 'upload'),
        call: fc.constantFrom(0 as const, 1 as const),
        byPatient: fc.boolean(),
        earlier: fc.option(fc.nat(5), { nil: null }),
      }),
      { minLength: 1, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<MediaMode>('audio', 'video'),
        fc.constantFrom<MediaMode>('audio', 'video'),
        steps,
        async (modeA, modeB, plan) => {
          const calls = [await bookAndStartCall(modeA), await bookAndStartCall(modeB)];
          const uploaded: string[] = [];
          for (const step of plan) {
            const call = calls[step.call];
            if (step.kind === 'switch') {
              await switchMedia(call);
              continue;
            }
            const segment =
              step.earlier === null ? call.segments[call.segments.length - 1] : call.segments[step.earlier % call.segments.length];
            const answer = await upload(
              call.callId,
              step.byPatient ? call.patient : call.clinician,
              `${segment.mode}/webm`,
              media(`${step.call}`, 256),
              {
                query: step.earlier === null ? '' : `?segmentId=${segment.segmentId}`,
              },
            );
            expect(answer.status).toBe(201);
            expect(answer.body).toMatchObject({
              consultationId: call.consultationId,
              callId: call.callId,
              segmentId: segment.segmentId,
              segmentSeq: segment.seq,
              mode: segment.mode,
            });
            uploaded.push(answer.body.recordingId);
          }
          const byCall = new Map(calls.map((c) => [c.callId, c]));
          for (const recording of (await storedRecordings()).filter((r) => uploaded.includes(r.recordingId))) {
            const own = byCall.get(recording.callId);
            if (!own) throw new Error(`recording ${recording.recordingId} names a call that is not its own`);
            expect(recording).toMatchObject({ consultationId: own.consultationId, patientId: own.patientId, clinicianId: own.clinicianId });
            expect(own.segments.find((s) => s.segmentId === recording.segmentId)).toMatchObject({
              seq: recording.segmentSeq,
              mode: recording.mode,
            });
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
