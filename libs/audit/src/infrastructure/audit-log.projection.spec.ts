import type { StoredEvent } from '@vgp/event-store';
import { applyProjectionEvent, ensureProjectionIndexes, InMemoryReadModelStore } from '@vgp/read-models';
import { ProjectionSpec } from '@vgp/testing';
import {
  AUDIT_STREAM,
  type AuditChainState,
  type AuditEntry,
  type AuditEntryRecorded,
  type AuditSource,
  decide,
  evolve,
  initialState,
} from '../domain/audit-chain.js';
import { AUDIT_BINDINGS_COLLECTION, AUDIT_ENTRIES_COLLECTION, auditLogProjection, seqKey } from './audit-log.projection.js';
import { AuditLogReadModel } from './audit-log.read-model.js';
import { nodeSha256 } from './node-sha256.js';

const source = (id: string, type: string, occurredAt: string, data: Record<string, unknown>): AuditSource => ({
  id,
  type,
  schemaVersion: 1,
  streamId: `s-${id}`,
  revision: 0,
  occurredAt,
  correlationId: id,
  causationId: null,
  actor: { id: 'u-clinician', role: 'clinician' } as AuditSource['actor'],
  softwareVersion: '1.0.0',
  featureFlags: [],
  data,
});

/** The sources chained, as the appender stores them in `auditlog-main`. */
const chained = (sources: AuditSource[]): StoredEvent<'AuditEntryRecorded', AuditEntry>[] => {
  let state: AuditChainState = initialState();
  const recorded: AuditEntryRecorded[] = sources.flatMap((s) => {
    const events = decide({ type: 'RecordAuditEntry', source: s }, state, nodeSha256);
    state = events.reduce(evolve, state);
    return events;
  });
  return recorded.map((event, i) => ({
    ...event.data.source,
    id: `e-${i}`,
    type: event.type,
    streamId: AUDIT_STREAM,
    revision: i,
    position: i + 1,
    data: event.data,
  }));
};

/** Chains the sources and folds each recorded entry into the read model, as the live runner would. */
const chain = async (readModels: InMemoryReadModelStore, sources: AuditSource[]): Promise<AuditEntry[]> => {
  const stored = chained(sources);
  await ensureProjectionIndexes(auditLogProjection, readModels);
  for (const event of stored) await applyProjectionEvent(auditLogProjection, readModels, event);
  return stored.map((event) => event.data);
};

describe('the audit-log projection', () => {
  const booking = source('f', 'ConsultationBooked', '2026-03-01T07:00:00.000Z', {
    consultationId: 'c-1',
    clinicId: 'clinic-1',
    patientId: 'p-1',
    clinicianId: 'u-clinician',
  });
  const streamedAt = source('s', 'ReplayStreamed', '2026-03-02T10:00:00.000Z', { recordingId: 'rec-1', consultationId: 'c-1' });

  it('files each entry under its seq, with its search fields and the replay day', async () => {
    const [fact, replay] = chained([booking, streamedAt]);
    await ProjectionSpec.for(auditLogProjection)([fact])
      .when(replay)
      .then(AUDIT_ENTRIES_COLLECTION, seqKey(2), {
        seq: 2,
        action: 'ReplayStreamed',
        actorId: 'u-clinician',
        occurredAt: '2026-03-02T10:00:00.000Z',
        at: Date.parse('2026-03-02T10:00:00.000Z'),
        replay: true,
        clinicIds: ['clinic-1'],
        patientIds: ['p-1'],
        recordingIds: ['rec-1'],
        consultationIds: ['c-1'],
        filedByPeopleOf: null,
        entry: JSON.stringify(replay.data),
      });
  });

  it('keeps only the entries that teach bindings or authorization facts in the bindings collection', async () => {
    const [fact, replay] = chained([booking, streamedAt]);
    await ProjectionSpec.for(auditLogProjection)([]).when(fact, replay).then(AUDIT_BINDINGS_COLLECTION, seqKey(2), null);
    await ProjectionSpec.for(auditLogProjection)([])
      .when(fact)
      .then(AUDIT_BINDINGS_COLLECTION, seqKey(1), expect.objectContaining({ seq: 1, action: 'ConsultationBooked', replay: false }));
  });
});

describe('the audit log on the read-model port', () => {
  const projectionOver = (readModels: InMemoryReadModelStore) => new AuditLogReadModel(readModels);

  it('keeps chain order, resolves late bindings at query time, and orders replay entries by time', async () => {
    const readModels = new InMemoryReadModelStore();
    const sources = [
      source('a', 'ReplayStreamed', '2026-03-02T10:00:00.000Z', { recordingId: 'rec-1' }),
      source('b', 'ReplayGranted', '2026-03-01T09:00:00.000Z', { recordingId: 'rec-1' }),
      source('c', 'RecordingStored', '2026-03-01T08:00:00.000Z', {
        recordingId: 'rec-1',
        consultationId: 'c-1',
        clinicId: 'clinic-1',
        patientId: 'p-1',
        clinicianId: 'u-clinician',
      }),
    ];
    const recorded = await chain(readModels, sources);
    expect(recorded[0].clinicIds).toEqual([]);
    const log = projectionOver(readModels);

    expect((await log.entriesAfter({ recordingId: 'rec-1' }, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
    const [first] = await log.entriesAfter({ recordingId: 'rec-1' }, 0, 10);
    expect(first).toMatchObject({ clinicId: 'clinic-1', patientIds: ['p-1'], consultationIds: ['c-1'] });
    const ownership = await log.ownershipOf(['rec-1'], []);
    expect(ownership.ownerOfRecording('rec-1')).toMatchObject({ patientId: 'p-1', clinicId: 'clinic-1' });
    expect((await log.authorizationFacts()).recordings.get('rec-1')).toMatchObject({ consultationId: 'c-1' });

    const all = await log.replayEntriesBetween(-Infinity, Infinity);
    expect(all.map((e) => e.sourceEventId)).toEqual(['b', 'a']);
    const firstDay = await log.replayEntriesBetween(Date.parse('2026-03-01T00:00:00.000Z'), Date.parse('2026-03-02T10:00:00.000Z'));
    expect(firstDay.map((e) => e.sourceEventId)).toEqual(['b']);
    const bothDays = await log.replayEntriesBetween(Date.parse('2026-03-01T09:00:00.000Z'), Date.parse('2026-03-02T10:00:00.001Z'));
    expect(bothDays.map((e) => e.sourceEventId)).toEqual(['b', 'a']);
    expect(await log.replayEntriesBetween(Date.parse('2026-03-03T00:00:00.000Z'), Date.parse('2026-03-02T00:00:00.000Z'))).toEqual([]);
  });

  it('applying the same entry twice is a no-op', async () => {
    const readModels = new InMemoryReadModelStore();
    const sources = [source('a', 'ReplayListed', '2026-03-01T10:00:00.000Z', {})];
    await chain(readModels, sources);
    await chain(readModels, sources);
    expect(await projectionOver(readModels).entriesAfter({ actorId: 'u-clinician' }, 0, 10)).toHaveLength(1);
  });
});
