import { StoredEvent } from '@vgp/event-store';
import { GRANT_PRUNE_GRACE_MS, ReplayAccessReadModel } from './replay-access.read-model';

const EXPIRES = new Date('2026-03-02T10:02:00.000Z');
const at = (msAfterExpiry: number) => new Date(EXPIRES.getTime() + msAfterExpiry);

const granted = (tokenSha256: string, expiresAt = EXPIRES): StoredEvent =>
  ({
    type: 'ReplayGranted',
    data: {
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
    },
  }) as unknown as StoredEvent;

describe('pruning expired grants from the read model', () => {
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);

  it('keeps an expired grant through the grace (it is still refused as grant_expired, naming its viewer)', () => {
    const model = new ReplayAccessReadModel();
    model.apply(granted(A));
    expect(model.grant(A, at(GRANT_PRUNE_GRACE_MS))).toMatchObject({ tokenSha256: A, viewerId: 'patient-amira' });
    expect(model.pruneGrants(at(GRANT_PRUNE_GRACE_MS))).toBe(0);
    expect(model.grantCount).toBe(1);
  });

  it('drops it lazily on access once expired for longer than the grace', () => {
    const model = new ReplayAccessReadModel();
    model.apply(granted(A));
    expect(model.grant(A, at(GRANT_PRUNE_GRACE_MS + 1))).toBeNull();
    expect(model.grantCount).toBe(0);
    expect(model.grantState().grants.has(A)).toBe(false);
    expect(model.grant(A)).toBeNull();
  });

  it('drops every such grant in a periodic sweep, and only those', () => {
    const model = new ReplayAccessReadModel();
    model.apply(granted(A));
    model.apply(granted(B, at(5 * 60_000)));
    expect(model.pruneGrants(at(GRANT_PRUNE_GRACE_MS + 1))).toBe(1);
    expect(model.grant(A)).toBeNull();
    expect(model.grant(B)).toMatchObject({ tokenSha256: B });
  });

  it('never drops a grant when asked without a time', () => {
    const model = new ReplayAccessReadModel();
    model.apply(granted(A));
    expect(model.grant(A)).not.toBeNull();
  });
});
