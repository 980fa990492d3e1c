import { createHash, generateKeyPairSync } from 'node:crypto';
import { checkEd25519Signature, ed25519AuditSigner } from '../infrastructure/ed25519-audit-signer.js';
import { type AuditEntry, type AuditSource, decide, evolve, initialState } from './audit-chain.js';
import {
  type AuditCheckpoint,
  checkpointMessage,
  isCheckpointDue,
  signCheckpoint,
  verifyCheckpoints,
  verifyHistory,
} from './audit-checkpoint.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const auditKey = ed25519AuditSigner(generateKeyPairSync('ed25519').privateKey);
const trusted = auditKey.trustedKeyIds;

const source = (n: number): AuditSource => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'ReplayListed',
  schemaVersion: 1,
  streamId: 'inbox-x',
  revision: 0,
  occurredAt: new Date(Date.UTC(2026, 2, 1, 9, n)).toISOString(),
  correlationId: `corr-${n}`,
  causationId: null,
  actor: { id: 'patient-ben', role: 'patient' },
  softwareVersion: '2.4.0',
  featureFlags: ['media-switch'],
  data: { listId: `l${n}`, viewerId: 'patient-ben', recordingIds: [], patientIds: [], consultationIds: [] },
});

/** A chain of `n` entries with a checkpoint signed every `every` entries, as the appender writes them. */
const chainWithCheckpoints = (n: number, every: number, signer = auditKey) => {
  let state = initialState();
  const entries: AuditEntry[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  for (let i = 1; i <= n; i++) {
    const [recorded] = decide({ type: 'RecordAuditEntry', source: source(i) }, state, sha256);
    entries.push(recorded.data);
    state = evolve(state, recorded);
    if (isCheckpointDue(state.seq, every))
      checkpoints.push(signCheckpoint({ seq: state.seq, headHash: state.headHash, at: source(i).occurredAt }, signer).data);
  }
  return { entries, checkpoints };
};

/** What an attacker with write access to the file can do: rewrite entry `seq` and re-hash everything after it. */
const rewriteFrom = (entries: AuditEntry[], seq: number): AuditEntry[] => {
  let state = initialState();
  return entries.map((entry) => {
    const forged = entry.seq === seq ? { ...entry.source, actor: { id: 'someone-else', role: 'patient' as const } } : entry.source;
    const [recorded] = decide({ type: 'RecordAuditEntry', source: forged }, state, sha256);
    state = evolve(state, recorded);
    return recorded.data;
  });
};

describe('signed checkpoints of the audit chain', () => {
  it('are due every N entries, never at the start', () => {
    expect([0, 1, 99, 100, 150, 200].map((seq) => isCheckpointDue(seq, 100))).toEqual([false, false, false, true, false, true]);
  });

  it('sign exactly {seq, headHash, at} and can be checked by anyone holding the public key', () => {
    const [checkpoint] = chainWithCheckpoints(5, 5).checkpoints;
    expect(checkpointMessage(checkpoint)).toBe(`{"at":"${checkpoint.at}","headHash":"${checkpoint.headHash}","seq":5}`);
    expect(checkEd25519Signature(checkpointMessage(checkpoint), checkpoint.signature, checkpoint.publicKey)).toBe(true);
    expect(checkpoint).toMatchObject({ seq: 5, algorithm: 'Ed25519', keyId: auditKey.keyId });
  });

  it('vouch for an untouched history', () => {
    const { entries, checkpoints } = chainWithCheckpoints(23, 5);
    expect(verifyHistory(entries, checkpoints, sha256, checkEd25519Signature, trusted)).toMatchObject({
      ok: true,
      entries: 23,
      checkpoints: { verified: 4, untrusted: 0, latestSeq: 20 },
    });
  });

  it('reveal a tail cut off before the last checkpoint, and where the missing part starts', () => {
    const { entries, checkpoints } = chainWithCheckpoints(23, 5);
    const truncated = entries.slice(0, 12);
    expect(verifyHistory(truncated, checkpoints, sha256, checkEd25519Signature, trusted)).toMatchObject({
      ok: false,
      entries: 12,
      problem: 'truncated',
      firstBrokenSeq: 13,
      checkpoints: { verified: 2, latestSeq: 10, failedSeq: 15 },
    });
  });

  it('cannot see entries removed after the last checkpoint: that is what the next checkpoint is for', () => {
    const { entries, checkpoints } = chainWithCheckpoints(23, 5);
    expect(verifyHistory(entries.slice(0, 21), checkpoints, sha256, checkEd25519Signature, trusted).ok).toBe(true);
  });

  it('reveal a rewrite whose hashes were all recomputed, between the last checkpoint that holds and the first that does not', () => {
    const { entries, checkpoints } = chainWithCheckpoints(23, 5);
    const forged = rewriteFrom(entries, 12);
    expect(verifyHistory(forged, [], sha256, checkEd25519Signature, trusted).ok).toBe(true);
    expect(verifyHistory(forged, checkpoints, sha256, checkEd25519Signature, trusted)).toMatchObject({
      ok: false,
      problem: 'checkpoint_mismatch',
      firstBrokenSeq: 11,
      checkpoints: { failedSeq: 15, latestSeq: 10 },
    });
  });

  it('refuse a checkpoint whose claim was altered after signing', () => {
    const { entries, checkpoints } = chainWithCheckpoints(10, 5);
    const altered = [checkpoints[0], { ...checkpoints[1], seq: 9, headHash: entries[8].hash }];
    expect(verifyCheckpoints(entries, altered, checkEd25519Signature, trusted)).toMatchObject({
      ok: false,
      problem: 'checkpoint_signature_invalid',
      failedSeq: 9,
    });
    const garbage = [{ ...checkpoints[0], publicKey: 'not-a-key' }];
    expect(verifyCheckpoints(entries, garbage, checkEd25519Signature, trusted)).toMatchObject({
      ok: false,
      problem: 'checkpoint_signature_invalid',
    });
  });

  it('count checkpoints signed by a key this service does not hold as untrusted, not verified', () => {
    const earlier = ed25519AuditSigner(generateKeyPairSync('ed25519').privateKey);
    const { entries, checkpoints } = chainWithCheckpoints(10, 5, earlier);
    expect(verifyCheckpoints(entries, checkpoints, checkEd25519Signature, trusted)).toEqual({
      ok: true,
      verified: 0,
      untrusted: 2,
      latestSeq: null,
    });
  });

  it('report the chain’s own break first, since it locates an edit exactly', () => {
    const { entries, checkpoints } = chainWithCheckpoints(10, 5);
    const edited = entries.map((e) => (e.seq === 3 ? { ...e, source: { ...e.source, actor: { id: 'x', role: 'patient' as const } } } : e));
    expect(verifyHistory(edited, checkpoints, sha256, checkEd25519Signature, trusted)).toMatchObject({
      ok: false,
      problem: 'hash_mismatch',
      firstBrokenSeq: 3,
    });
  });
});
