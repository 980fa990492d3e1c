import type { EventStore, StoredEvent } from '@vgp/event-store';
import { applyProjectionEvent, InMemoryReadModelStore } from '@vgp/read-models';
import { AUDIT_STREAM, AuditChainState, AuditEntry, AuditSource, decide, evolve, initialState } from '../domain/audit-chain';
import { AuditLogProjection, auditLogProjection } from './audit-log.projection';
import { nodeSha256 } from './node-sha256';

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

/** Chains the sources and folds each recorded entry into the read model, as the live runner would. */
const chain = async (readModels: InMemoryReadModelStore, sources: AuditSource[]): Promise<AuditEntry[]> => {
  let state: AuditChainState = initialState();
  const entries: AuditEntry[] = [];
  for (const [i, s] of sources.entries()) {
    const [recorded] = decide({ type: 'RecordAuditEntry', source: s }, state, nodeSha256);
    state = evolve(state, recorded);
    entries.push(recorded.data);
    const stored = { ...s, id: `e-${i}`, type: recorded.type, streamId: AUDIT_STREAM, revision: i, position: i + 1, data: recorded.data } as StoredEvent;
    await applyProjectionEvent(auditLogProjection, readModels, stored);
  }
  return entries;
};

describe('AuditLogProjection on the read-model port', () => {
  const projectionOver = (readModels: InMemoryReadModelStore) => new AuditLogProjection({} as EventStore, readModels);

  it('keeps chain order, resolves late bindings at query time, and orders replay entries by time', async () => {
    const readModels = new InMemoryReadModelStore();
    const sources = [
      source('a', 'ReplayStreamed', '2026-03-02T10:00:00.000Z', { recordingId: 'rec-1' }),
      source('b', 'ReplayGranted', '2026-03-01T09:00:00.000Z', { recordingId: 'rec-1' }),
      source('c', 'RecordingStored', '2026-03-01T08:00:00.000Z', { recordingId: 'rec-1', consultationId: 'c-1', clinicId: 'clinic-1', patientId: 'p-1', clinicianId: 'u-clinician' }),
    ];
    const recorded = await chain(readModels, sources);
    expect(recorded[0].clinicIds).toEqual([]);
    const log = projectionOver(readModels);

    expect((await log.all()).map((e) => e.seq)).toEqual([1, 2, 3]);
    const known = await log.knowledge();
    const [first] = await log.all();
    expect(known.resolvedIndex(first)).toMatchObject({ clinicId: 'clinic-1', patientIds: ['p-1'], consultationIds: ['c-1'] });
    expect(known.ownership.ownerOfRecording('rec-1')).toMatchObject({ patientId: 'p-1', clinicId: 'clinic-1' });
    expect(known.authorizationFacts.recordings.get('rec-1')).toMatchObject({ consultationId: 'c-1' });

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
    expect(await projectionOver(readModels).all()).toHaveLength(1);
  });
});
