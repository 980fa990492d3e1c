import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type EventMetadata, type MediaMode } from '@vgp/contracts';
import { type EventStore, type NewEvent } from '@vgp/event-store';
import { type ObjectStore } from '@vgp/object-store';

/** The people of the seeded demo clinic; ids are what their tokens carry as `sub`. */
export const DEMO = {
  clinicId: 'clinic-demo',
  admin: 'admin-ada',
  compliance: 'compliance-cora',
  clinicians: { okafor: 'dr-okafor', lindqvist: 'dr-lindqvist' },
  patients: { amira: 'patient-amira', ben: 'patient-ben', chloe: 'patient-chloe' },
} as const;

export type SeedStores = { booking: EventStore; signalling: EventStore; recording: EventStore; objects: ObjectStore };

/** Deterministic ids (UUID v5 shape) so seeding twice stores everything once. */
export const demoId = (name: string): string => {
  const h = createHash('sha1').update(`vgp-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

type PastConsultation = {
  name: string;
  patientId: string;
  clinicianId: string;
  daysAgo: number;
  /** The media modes of the call in order: every switch opens a new segment of the same call. */
  modes: MediaMode[];
};

/**
 * Two consultations at the same hour with different clinicians, both switching media mid-call: the shape
 * of the incident this platform exists to prevent. A third, audio only, a day later.
 */
export const DEMO_CONSULTATIONS: PastConsultation[] = [
  { name: 'amira-okafor', patientId: DEMO.patients.amira, clinicianId: DEMO.clinicians.okafor, daysAgo: 3, modes: ['audio', 'video'] },
  {
    name: 'ben-lindqvist',
    patientId: DEMO.patients.ben,
    clinicianId: DEMO.clinicians.lindqvist,
    daysAgo: 3,
    modes: ['video', 'audio', 'video'],
  },
  { name: 'chloe-okafor', patientId: DEMO.patients.chloe, clinicianId: DEMO.clinicians.okafor, daysAgo: 2, modes: ['audio'] },
];

/**
 * Writes the demo clinic's history as the owning contexts would have recorded it. Outboxes then publish it,
 * so every other context learns it the normal way. Idempotent: ids are deterministic.
 */
export async function seedDemoClinic(
  stores: SeedStores,
  meta: Omit<EventMetadata, 'actor' | 'correlationId' | 'causationId'>,
  now = new Date(),
): Promise<void> {
  for (const c of DEMO_CONSULTATIONS) {
    const consultationId = demoId(`consultation:${c.name}`);
    const callId = demoId(`call:${c.name}`);
    const start = new Date(now.getTime() - c.daysAgo * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000).toISOString();
    const metadata = (actorId: string, role: 'patient' | 'clinician' | 'clinic_admin'): EventMetadata => ({
      ...meta,
      actor: { id: actorId, role },
      correlationId: `seed-${c.name}`,
      causationId: null,
    });
    const event = (key: string, type: string, data: unknown, occurredAt: string, m: EventMetadata): NewEvent => ({
      id: demoId(`${c.name}:${key}`),
      type,
      data,
      occurredAt,
      metadata: m,
    });
    const admin = metadata(DEMO.admin, 'clinic_admin');
    const clinician = metadata(c.clinicianId, 'clinician');

    await stores.booking.append(
      `consultation-${consultationId}`,
      [
        event(
          'booked',
          'ConsultationBooked',
          {
            consultationId,
            clinicId: DEMO.clinicId,
            patientId: c.patientId,
            clinicianId: c.clinicianId,
            startsAt: at(0),
            durationMinutes: 20,
            mode: c.modes[0],
          },
          at(-7 * 24 * 60),
          admin,
        ),
        event('completed', 'ConsultationCompleted', { consultationId }, at(21), clinician),
      ],
      'any',
    );

    const segments = c.modes.map((mode, i) => ({ mode, seq: i + 1, segmentId: demoId(`${c.name}:segment:${i + 1}`) }));
    const callEvents: NewEvent[] = [
      event(
        'call-started',
        'CallStarted',
        {
          callId,
          consultationId,
          clinicId: DEMO.clinicId,
          patientId: c.patientId,
          clinicianId: c.clinicianId,
          mode: c.modes[0],
          segmentId: segments[0].segmentId,
          startedBy: c.clinicianId,
        },
        at(0),
        clinician,
      ),
      event(
        'joined-clinician',
        'ParticipantJoined',
        { callId, consultationId, userId: c.clinicianId, role: 'clinician' },
        at(0),
        clinician,
      ),
      event(
        'joined-patient',
        'ParticipantJoined',
        { callId, consultationId, userId: c.patientId, role: 'patient' },
        at(1),
        metadata(c.patientId, 'patient'),
      ),
      ...segments.slice(1).map((s, i) =>
        event(
          `switch-${s.seq}`,
          'MediaModeSwitched',
          {
            callId,
            consultationId,
            from: segments[i].mode,
            to: s.mode,
            closedSegmentId: segments[i].segmentId,
            segmentId: s.segmentId,
            segmentSeq: s.seq,
            switchedBy: c.patientId,
          },
          at(2 + 5 * (i + 1)),
          metadata(c.patientId, 'patient'),
        ),
      ),
      event(
        'ended',
        'CallEnded',
        { callId, consultationId, lastSegmentId: segments[segments.length - 1].segmentId, reason: 'hangup' },
        at(20),
        clinician,
      ),
    ];
    await stores.signalling.append(`call-${callId}`, callEvents, 'any');

    for (const s of segments) {
      const recordingId = demoId(`${c.name}:recording:${s.seq}`);
      const contentType = s.mode === 'video' ? 'video/webm' : 'audio/webm';
      const objectKey = `recordings/${DEMO.clinicId}/${consultationId}/${callId}/${recordingId}`;
      const body = demoMedia(`${c.name} segment ${s.seq} (${s.mode})`);
      const stored =
        (await stores.objects.head(objectKey)) ?? (await stores.objects.put(objectKey, Readable.from([body]), { contentType }));
      await stores.recording.append(
        `recording-${recordingId}`,
        [
          event(
            `recording:${s.seq}`,
            'RecordingStored',
            {
              recordingId,
              consultationId,
              callId,
              segmentId: s.segmentId,
              segmentSeq: s.seq,
              clinicId: DEMO.clinicId,
              patientId: c.patientId,
              clinicianId: c.clinicianId,
              mode: s.mode,
              contentType,
              bytes: stored.bytes,
              sha256: stored.sha256,
              objectKey,
              uploadedBy: c.clinicianId,
              recordedAt: at(2 + 5 * s.seq),
            },
            at(2 + 5 * s.seq),
            clinician,
          ),
        ],
        'any',
      );
    }
  }
}

/** Stand-in media: a recognisable header and 48 KiB of deterministic filler, enough for range requests. */
const demoMedia = (label: string): Buffer => {
  const header = Buffer.from(`VGP-DEMO-MEDIA ${label}\n`);
  const filler = Buffer.alloc(48 * 1024);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 31 + label.length) & 0xff;
  return Buffer.concat([header, filler]);
};
