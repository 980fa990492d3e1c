import { type IntegrationEvent } from '@vgp/contracts';
import { type StoredEvent } from '@vgp/event-store';
import { applyProjectionEvent, ensureProjectionIndexes, InMemoryReadModelStore } from '@vgp/read-models';
import { anIntegrationEvent } from '@vgp/testing';
import { stateOf } from '../domain/access.decider.js';
import { replayAccessProjection } from './replay-access.projection.js';
import { GRANT_PRUNE_GRACE_MS, ReadModelReplayAccessQueries } from './replay-access.queries.adapter.js';

const EXPIRES = new Date('2026-03-02T10:02:00.000Z');
const at = (msAfterExpiry: number) => new Date(EXPIRES.getTime() + msAfterExpiry);

let position = 0;
/** An event as the store holds it, next in the global order; by default an inbox copy in a stream of its own. */
const storedEvent = (event: IntegrationEvent, at: { streamId?: string; revision?: number } = {}): StoredEvent => ({
  ...event,
  streamId: at.streamId ?? `inbox-${position + 1}`,
  revision: at.revision ?? 0,
  position: ++position,
});

const granted = (tokenSha256: string, expiresAt = EXPIRES): StoredEvent =>
  storedEvent(
    anIntegrationEvent('ReplayGranted', {
      grantId: `grant-${tokenSha256.slice(0, 4)}`,
      viewerId: 'patient-amira',
      recordingId: 'rec-1',
      consultationId: 'cons-1',
      patientId: 'patient-amira',
      basis: 'participant',
      shareId: null,
      tokenSha256,
      expiresAt: expiresAt.toISOString(),
      clinicId: 'clinic-north',
      viewerRoles: ['patient'],
    }),
    { streamId: 'access-patient-amira', revision: position },
  );

describe('pruning expired grants from the read model', () => {
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);
  let store: InMemoryReadModelStore;
  let queries: ReadModelReplayAccessQueries;
  const apply = (event: StoredEvent) => applyProjectionEvent(replayAccessProjection, store, event);

  beforeEach(async () => {
    store = new InMemoryReadModelStore();
    // As the runner does before the first event: queries must go through the declared indexes.
    await ensureProjectionIndexes(replayAccessProjection, store);
    queries = new ReadModelReplayAccessQueries(store);
  });

  afterEach(() => store.close());

  it('keeps an expired grant through the grace (it is still refused as grant_expired, naming its viewer)', async () => {
    await apply(granted(A));
    expect(await queries.grant(A, at(GRANT_PRUNE_GRACE_MS))).toMatchObject({ tokenSha256: A, viewerId: 'patient-amira' });
    expect(await queries.pruneGrants(at(GRANT_PRUNE_GRACE_MS))).toBe(0);
    expect(await queries.grantCount()).toBe(1);
  });

  it('drops it lazily on access once expired for longer than the grace', async () => {
    await apply(granted(A));
    expect(await queries.grant(A, at(GRANT_PRUNE_GRACE_MS + 1))).toBeNull();
    expect(await queries.grantCount()).toBe(0);
    expect(stateOf(await queries.grant(A)).grants.has(A)).toBe(false);
    expect(await queries.grant(A)).toBeNull();
  });

  it('drops every such grant in a periodic sweep, and only those', async () => {
    await apply(granted(A));
    await apply(granted(B, at(5 * 60_000)));
    expect(await queries.pruneGrants(at(GRANT_PRUNE_GRACE_MS + 1))).toBe(1);
    expect(await queries.grant(A)).toBeNull();
    expect(await queries.grant(B)).toMatchObject({ tokenSha256: B });
  });

  it('keeps a pruned grant deleted when its ReplayGranted is applied again (a replay)', async () => {
    const event = granted(A);
    await apply(event);
    expect(await queries.pruneGrants(at(GRANT_PRUNE_GRACE_MS + 1))).toBe(1);
    await apply(event);
    expect(await queries.grant(A)).toBeNull();
    expect(await queries.grantCount()).toBe(0);
  });

  it('never drops a grant when asked without a time', async () => {
    await apply(granted(A));
    expect(await queries.grant(A)).not.toBeNull();
  });
});

describe('recordings and booking facts in the read-model store', () => {
  let store: InMemoryReadModelStore;
  let queries: ReadModelReplayAccessQueries;
  const apply = (event: StoredEvent) => applyProjectionEvent(replayAccessProjection, store, event);
  const stored = (recordingId: string, consultationId = 'cons-1', objectKey = `${recordingId}.webm`) =>
    apply(
      storedEvent(
        anIntegrationEvent('RecordingStored', {
          recordingId,
          consultationId,
          callId: 'call-1',
          segmentId: `seg-${recordingId}`,
          segmentSeq: 1,
          clinicId: 'clinic-north',
          patientId: 'patient-amira',
          clinicianId: 'dr-osei',
          mode: 'video',
          contentType: 'video/webm',
          bytes: 10,
          sha256: 'c'.repeat(64),
          objectKey,
          uploadedBy: 'dr-osei',
          recordedAt: '2026-03-02T10:00:00.000Z',
        }),
      ),
    );
  const booked = () =>
    apply(
      storedEvent(
        anIntegrationEvent('ConsultationBooked', {
          consultationId: 'cons-1',
          clinicId: 'clinic-north',
          patientId: 'patient-amira',
          clinicianId: 'dr-osei',
          startsAt: '2026-03-02T10:00:00.000Z',
          durationMinutes: 20,
          mode: 'video',
        }),
      ),
    );

  beforeEach(async () => {
    store = new InMemoryReadModelStore();
    // As the runner does before the first event: queries must go through the declared indexes.
    await ensureProjectionIndexes(replayAccessProjection, store);
    queries = new ReadModelReplayAccessQueries(store);
  });

  afterEach(() => store.close());

  const amira = { id: 'patient-amira', roles: ['patient'] as const, clinicId: 'clinic-north' };
  const osei = { id: 'dr-osei', roles: ['clinician'] as const, clinicId: 'clinic-north' };

  it("lists a viewer's recordings in arrival order, with their booking facts", async () => {
    await booked();
    await stored('rec-z');
    await stored('rec-a');
    const { recordings: listed } = await queries.listCandidates(amira);
    expect(listed.map((r) => r.recordingId)).toEqual(['rec-z', 'rec-a']);
    expect(listed[0]).not.toHaveProperty('storedAt');
    expect(listed[0].booking).toMatchObject({ consultationId: 'cons-1', status: 'booked' });
    expect((await queries.listCandidates(osei)).recordings.map((r) => r.recordingId)).toEqual(['rec-z', 'rec-a']);
    expect((await queries.listCandidates({ ...amira, clinicId: 'clinic-south' })).recordings).toEqual([]);
    expect((await queries.listCandidates({ ...amira, id: 'patient-ben' })).recordings).toEqual([]);
  });

  it('keeps the booking facts of every recording of a consultation current when they arrive after it', async () => {
    await stored('rec-1');
    await stored('rec-2');
    expect((await queries.recording('rec-1'))?.booking).toBeNull();
    await booked();
    await apply(storedEvent(anIntegrationEvent('ConsultationCancelled', { consultationId: 'cons-1', reason: 'patient_request' })));
    expect((await queries.recording('rec-1'))?.booking).toMatchObject({ status: 'cancelled' });
    expect((await queries.recording('rec-2'))?.booking).toMatchObject({ status: 'cancelled' });
  });

  it("lists a grantee the recordings shared with them, with the viewer's shares", async () => {
    await booked();
    await stored('rec-1');
    await stored('rec-2');
    const share = anIntegrationEvent('ShareGranted', {
      shareId: 'share-1',
      recordingId: 'rec-2',
      patientId: 'patient-amira',
      granteeId: 'dr-lee',
      purpose: 'second_opinion',
      until: '2026-04-01T00:00:00.000Z',
    });
    await apply(storedEvent(share, { streamId: 'share-share-1', revision: 0 }));
    const lee = { id: 'dr-lee', roles: ['clinician'] as const, clinicId: 'clinic-north' };
    const candidates = await queries.listCandidates(lee);
    expect(candidates.recordings.map((r) => r.recordingId)).toEqual(['rec-2']);
    expect(candidates.shares).toEqual([expect.objectContaining({ shareId: 'share-1', revoked: false })]);
  });

  it('keeps the first binding of a recording id', async () => {
    await stored('rec-1', 'cons-1', 'first.webm');
    await stored('rec-1', 'cons-2', 'second.webm');
    expect(await queries.recording('rec-1')).toMatchObject({ consultationId: 'cons-1', objectKey: 'first.webm', booking: null });
  });

  it('keeps a cancelled booking cancelled when its booking is delivered again', async () => {
    await booked();
    await apply(storedEvent(anIntegrationEvent('ConsultationCancelled', { consultationId: 'cons-1', reason: 'patient_request' })));
    await booked();
    await stored('rec-1');
    expect((await queries.recording('rec-1'))?.booking).toMatchObject({ status: 'cancelled' });
  });
});
