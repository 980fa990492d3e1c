import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { DeciderSpec } from '@vgp/testing';
import { accessLogItemFor, type Ownership } from './access-log.js';
import {
  type AuditChainState,
  type AuditEntry,
  type AuditEntryRecorded,
  type AuditSource,
  auditChainDecider,
  canonicalJson,
  decide,
  entryEventId,
  entryHash,
  evolve,
  GENESIS_HASH,
  initialState,
  verifyChain,
} from './audit-chain.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let counter = 0;
const source = (type: string, data: Record<string, unknown>, o: Partial<AuditSource> = {}): AuditSource => {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    streamId: `inbox-${String(data.consultationId ?? 'x')}`,
    revision: 0,
    occurredAt: `2026-03-01T09:${String(counter % 60).padStart(2, '0')}:00.000Z`,
    correlationId: `corr-${counter}`,
    causationId: null,
    actor: { id: 'dr-okafor', role: 'clinician' },
    softwareVersion: '1.4.2',
    featureFlags: ['media-switch'],
    data,
    ...o,
  };
};

const booked = (consultationId: string, patientId: string, clinicId = 'clinic-1') =>
  source('ConsultationBooked', {
    consultationId,
    clinicId,
    patientId,
    clinicianId: 'dr-okafor',
    startsAt: '2026-03-01T09:00:00.000Z',
    durationMinutes: 20,
    mode: 'video',
  });
const recordingStored = (recordingId: string, consultationId: string, patientId: string, clinicId = 'clinic-1') =>
  source('RecordingStored', {
    recordingId,
    consultationId,
    patientId,
    clinicId,
    clinicianId: 'dr-okafor',
    callId: 'k1',
    segmentId: 's1',
    segmentSeq: 1,
  });
const replayDenied = (viewerId: string, recordingId: string) =>
  source(
    'ReplayDenied',
    { viewerId, recordingId, patientId: null, reason: 'not_a_participant', operation: 'grant' },
    { actor: { id: viewerId, role: 'patient' } },
  );

/** Folds sources into a chain the way the audit appender does. */
const chain = (sources: AuditSource[]): { entries: AuditEntry[]; state: AuditChainState } => {
  let state = initialState();
  const entries: AuditEntry[] = [];
  for (const s of sources) {
    for (const event of decide({ type: 'RecordAuditEntry', source: s }, state, sha256)) {
      entries.push(event.data);
      state = evolve(state, event);
    }
  }
  return { entries, state };
};

const history = () => [
  booked('c-a', 'patient-amira'),
  booked('c-b', 'patient-ben'),
  recordingStored('r-a1', 'c-a', 'patient-amira'),
  recordingStored('r-b1', 'c-b', 'patient-ben'),
  source(
    'ReplayGranted',
    { grantId: 'g1', viewerId: 'patient-amira', recordingId: 'r-a1', consultationId: 'c-a', patientId: 'patient-amira' },
    { actor: { id: 'patient-amira', role: 'patient' } },
  ),
  replayDenied('patient-ben', 'r-a1'),
  source('ConsultationCompleted', { consultationId: 'c-b' }),
];

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('the audit chain', () => {
  it('starts from 64 zeros and links every entry to the hash of the one before', () => {
    const { entries } = chain(history());
    expect(entries[0].prevHash).toBe(GENESIS_HASH);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    entries.slice(1).forEach((e, i) => expect(e.prevHash).toBe(entries[i].hash));
    expect(entries[2].hash).toBe(sha256(canonicalJson({ seq: 3, prevHash: entries[1].hash, source: entries[2].source })));
  });

  it('records a redelivered event once', () => {
    const once = booked('c-a', 'patient-amira');
    const { entries } = chain([once, clone(once), clone(once)]);
    expect(entries).toHaveLength(1);
  });

  it('keeps the full source envelope, with actor, release and flags', () => {
    const { entries } = chain([booked('c-a', 'patient-amira')]);
    expect(entries[0].source).toMatchObject({
      actor: { id: 'dr-okafor', role: 'clinician' },
      softwareVersion: '1.4.2',
      featureFlags: ['media-switch'],
    });
  });

  it('files a completion under the clinic and patient that booking named', () => {
    const { entries } = chain(history());
    expect(entries[6]).toMatchObject({
      sourceType: 'ConsultationCompleted',
      clinicId: 'clinic-1',
      patientIds: ['patient-ben'],
      consultationIds: ['c-b'],
    });
  });

  it('files a denial under the patient whose recording was asked for, even when the event does not name them', () => {
    const { entries } = chain(history());
    expect(entries[5]).toMatchObject({
      sourceType: 'ReplayDenied',
      patientIds: ['patient-amira'],
      recordingIds: ['r-a1'],
      consultationIds: ['c-a'],
      clinicId: 'clinic-1',
    });
  });

  it('never learns who owns a recording from the replay events it audits', () => {
    const { entries } = chain([
      source('ReplayGranted', {
        grantId: 'g1',
        viewerId: 'patient-ben',
        recordingId: 'r-x',
        consultationId: 'c-x',
        patientId: 'patient-ben',
      }),
      replayDenied('patient-eve', 'r-x'),
    ]);
    expect(entries[1].patientIds).toEqual([]);
  });

  it('files a list that spans clinics under every clinic it touched', () => {
    const { entries } = chain([
      booked('c-a', 'patient-amira', 'clinic-1'),
      booked('c-z', 'patient-zoe', 'clinic-2'),
      source('ReplayListed', {
        listId: 'l1',
        viewerId: 'patient-amira',
        recordingIds: [],
        patientIds: ['patient-amira', 'patient-zoe'],
        consultationIds: ['c-a', 'c-z'],
      }),
    ]);
    expect(entries[2].clinicIds).toEqual(['clinic-1', 'clinic-2']);
  });

  it('files a denial for a recording that does not exist under the clinic of the patient who asked', () => {
    const { entries } = chain([booked('c-b', 'patient-ben', 'clinic-2'), replayDenied('patient-ben', 'r-unknown')]);
    expect(entries[1]).toMatchObject({ clinicIds: ['clinic-2'], patientIds: [], recordingIds: ['r-unknown'] });
  });

  it('verifies an untouched history', () => {
    const { entries, state } = chain(history());
    expect(verifyChain(entries, sha256)).toEqual({ ok: true, entries: 7, headHash: state.headHash });
    expect(verifyChain([], sha256)).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('detects an edited entry and locates it', () => {
    const { entries } = chain(history());
    const edited = clone(entries);
    edited[4].source.actor = { id: 'someone-else', role: 'patient' };
    expect(verifyChain(edited, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 5, problem: 'hash_mismatch' });
  });

  it('detects an edit whose hash was recomputed, at the entry after it', () => {
    const { entries } = chain(history());
    const edited = clone(entries);
    edited[3].source.actor = { id: 'dr-lindqvist', role: 'clinician' };
    edited[3].hash = entryHash(sha256, edited[3]);
    expect(verifyChain(edited, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 5, problem: 'prev_hash_mismatch' });
  });

  it('detects a deleted entry and locates it', () => {
    const { entries } = chain(history());
    const deleted = entries.filter((e) => e.seq !== 3);
    expect(verifyChain(deleted, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 3, problem: 'seq_gap' });
  });

  it('detects a deletion even when the later entries were renumbered', () => {
    const { entries } = chain(history());
    const renumbered = clone(entries.filter((e) => e.seq !== 3)).map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyChain(renumbered, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });

  it('detects two entries swapped and locates the first', () => {
    const { entries } = chain(history());
    const swapped = [...entries];
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(verifyChain(swapped, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 2, problem: 'seq_gap' });
  });

  it('detects a patient removed from the search fields, which the hash alone does not cover', () => {
    const { entries } = chain(history());
    const hidden = clone(entries);
    hidden[5].patientIds = [];
    expect(verifyChain(hidden, sha256)).toMatchObject({ ok: false, firstBrokenSeq: 6, problem: 'index_mismatch' });
  });

  describe('any single tampering with a valid history', () => {
    const sources = fc
      .array(
        fc.record({
          kind: fc.constantFrom('booked', 'stored', 'denied', 'completed'),
          n: fc.integer({ min: 0, max: 3 }),
          actor: fc.constantFrom('dr-okafor', 'patient-amira', 'patient-ben'),
        }),
        { minLength: 2, maxLength: 12 },
      )
      .map((specs) =>
        specs.map(({ kind, n, actor }) => {
          const s =
            kind === 'booked'
              ? booked(`c-${n}`, `patient-${n}`)
              : kind === 'stored'
                ? recordingStored(`r-${n}`, `c-${n}`, `patient-${n}`)
                : kind === 'denied'
                  ? replayDenied(actor, `r-${n}`)
                  : source('ConsultationCompleted', { consultationId: `c-${n}` });
          return s;
        }),
      );

    type Mutation = { kind: 'edit' | 'rehash-edit' | 'delete' | 'swap' | 'drop-patient'; at: number };
    const mutation = fc.record({
      kind: fc.constantFrom<Mutation['kind']>('edit', 'rehash-edit', 'delete', 'swap', 'drop-patient'),
      at: fc.nat(),
    });

    it('is detected, at the seq where it was made', () =>
      fc.assert(
        fc.property(sources, mutation, (list, m) => {
          const { entries } = chain(list);
          const tampered = clone(entries);
          let expectedSeq: number;
          switch (m.kind) {
            case 'edit': {
              const i = m.at % tampered.length;
              tampered[i].source.occurredAt = '1999-01-01T00:00:00.000Z';
              expectedSeq = i + 1;
              break;
            }
            case 'rehash-edit': {
              // The attacker also fixes the entry's own hash: the next entry's link gives it away.
              const i = m.at % (tampered.length - 1);
              tampered[i].source.softwareVersion = 'forged';
              tampered[i].hash = entryHash(sha256, tampered[i]);
              expectedSeq = i + 2;
              break;
            }
            case 'delete': {
              // Not the last: a cut tail needs a checkpoint of the head to be seen.
              const i = m.at % (tampered.length - 1);
              tampered.splice(i, 1);
              expectedSeq = i + 1;
              break;
            }
            case 'swap': {
              const i = m.at % (tampered.length - 1);
              [tampered[i], tampered[i + 1]] = [tampered[i + 1], tampered[i]];
              expectedSeq = i + 1;
              break;
            }
            case 'drop-patient': {
              const candidates = tampered.map((e, i) => (e.patientIds.length > 0 ? i : -1)).filter((i) => i >= 0);
              fc.pre(candidates.length > 0);
              const i = candidates[m.at % candidates.length];
              tampered[i].patientIds = tampered[i].patientIds.slice(1);
              expectedSeq = i + 1;
              break;
            }
          }
          const result = verifyChain(tampered, sha256);
          expect(result.ok).toBe(false);
          expect(result.firstBrokenSeq).toBe(expectedSeq);
        }),
        { numRuns: 300 },
      ));
  });

  it('is a decider: nothing is chained for an event id it already holds', () => {
    const first = booked('c-a', 'patient-amira');
    const given = chain([first]).entries.map((data): AuditEntryRecorded => ({ type: 'AuditEntryRecorded', data }));
    DeciderSpec.for(auditChainDecider)(given).when({ type: 'RecordAuditEntry', source: first }, sha256).thenNothingHappened();
  });

  it('names each entry event by its source id, so a second attempt to chain it collides', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    expect(entryEventId(sha256, id)).toBe(entryEventId(sha256, id));
    expect(entryEventId(sha256, id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(entryEventId(sha256, id)).not.toBe(entryEventId(sha256, '00000000-0000-4000-8000-000000000002'));
  });
});

describe('a patient’s access log', () => {
  const { entries, state } = chain([
    ...history(),
    source(
      'ReplayListed',
      {
        listId: 'l1',
        viewerId: 'patient-eve',
        recordingIds: ['r-a1', 'r-b1'],
        patientIds: ['patient-amira', 'patient-ben'],
        consultationIds: ['c-a', 'c-b'],
      },
      { actor: { id: 'patient-eve', role: 'patient' } },
    ),
    source(
      'ReplayStreamed',
      {
        grantId: 'g1',
        viewerId: 'patient-amira',
        recordingId: 'r-a1',
        consultationId: 'c-a',
        patientId: 'patient-amira',
        rangeStart: 0,
        rangeEnd: 99,
        totalBytes: 4096,
      },
      { actor: { id: 'patient-amira', role: 'patient' } },
    ),
  ]);
  const owners: Ownership = {
    ownerOfRecording: (id) => state.recordings.get(id),
    ownerOfConsultation: (id) => state.consultations.get(id),
  };
  const logOf = (patientId: string, clinicId = 'clinic-1') =>
    entries.map((e) => accessLogItemFor({ id: patientId, clinicId }, e, owners)).filter((i) => i !== null);

  it('shows a patient that someone else was shown their recording, without the other patient’s recording', () => {
    expect(logOf('patient-amira').find((i) => i.action === 'ReplayListed')).toMatchObject({
      actor: { id: 'patient-eve', role: 'patient' },
      self: false,
      recordingIds: ['r-a1'],
      consultationIds: ['c-a'],
    });
    expect(JSON.stringify(logOf('patient-amira'))).not.toContain('r-b1');
    expect(JSON.stringify(logOf('patient-ben'))).not.toContain('r-a1');
  });

  it('shows the bytes that were played, and marks the patient’s own viewing', () => {
    expect(logOf('patient-amira').find((i) => i.action === 'ReplayStreamed')).toMatchObject({
      self: true,
      bytes: { start: 0, end: 99, total: 4096 },
      softwareVersion: '1.4.2',
    });
  });

  it('shows a denied attempt on the patient’s recording and why', () => {
    expect(logOf('patient-amira').find((i) => i.action === 'ReplayDenied')).toMatchObject({
      actor: { id: 'patient-ben' },
      reason: 'not_a_participant',
      recordingIds: ['r-a1'],
    });
  });

  it('does not show a patient of the same id in another clinic anything', () => {
    expect(logOf('patient-amira', 'clinic-2')).toEqual([]);
  });

  it('leaves out booking and recording events: only access to recordings', () => {
    expect(logOf('patient-amira').map((i) => i.action)).toEqual(['ReplayGranted', 'ReplayDenied', 'ReplayListed', 'ReplayStreamed']);
  });
});
