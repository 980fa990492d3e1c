import { type AuditEntry, canonicalJson, type ChainProblem, type ChainVerification, type Sha256, verifyChain } from './audit-chain.js';

export const CHECKPOINT_STREAM = 'auditcheckpoint-main';
export const CHECKPOINT_ALGORITHM = 'Ed25519';

/** What a checkpoint vouches for: the chain held `seq` entries ending in `headHash` at `at`. */
export type CheckpointClaim = { seq: number; headHash: string; at: string };

export type AuditCheckpoint = CheckpointClaim & {
  algorithm: typeof CHECKPOINT_ALGORITHM;
  /** sha256 hex of the signer's public key (SPKI DER). */
  keyId: string;
  /** The signer's public key, base64 SPKI DER, so anyone can check the signature offline. */
  publicKey: string;
  /** base64 signature over `checkpointMessage(claim)`. */
  signature: string;
};

export type AuditCheckpointSigned = { type: 'AuditCheckpointSigned'; data: AuditCheckpoint };

/** Signs a message with the audit key; injected so the domain does no cryptography itself. */
export type CheckpointSigning = { keyId: string; publicKey: string; sign: (message: string) => string };
/** True when `signature` is a valid signature of `message` by `publicKey` (base64 SPKI DER). */
export type SignatureCheck = (message: string, signature: string, publicKey: string) => boolean;

/** The exact bytes signed: canonical JSON of {seq, headHash, at}. */
export const checkpointMessage = ({ seq, headHash, at }: CheckpointClaim): string => canonicalJson({ seq, headHash, at });

export const isCheckpointDue = (seq: number, every: number): boolean => seq > 0 && seq % every === 0;

export const signCheckpoint = (claim: CheckpointClaim, signing: CheckpointSigning): AuditCheckpointSigned => ({
  type: 'AuditCheckpointSigned',
  data: {
    seq: claim.seq,
    headHash: claim.headHash,
    at: claim.at,
    algorithm: CHECKPOINT_ALGORITHM,
    keyId: signing.keyId,
    publicKey: signing.publicKey,
    signature: signing.sign(checkpointMessage(claim)),
  },
});

export type CheckpointProblem = 'checkpoint_signature_invalid' | 'checkpoint_mismatch' | 'truncated';

export type CheckpointVerification = {
  ok: boolean;
  /** Checkpoints signed by a key this service trusts, whose signature and claim both hold. */
  verified: number;
  /** Checkpoints with a valid signature by a key this service does not hold (an earlier ephemeral or a rotated key). */
  untrusted: number;
  /** The highest seq vouched for by a verified checkpoint; null when none. */
  latestSeq: number | null;
  problem?: CheckpointProblem;
  /** The checkpoint that does not hold. */
  failedSeq?: number;
  /** The first chain entry that may have been altered or removed. */
  firstBrokenSeq?: number;
};

/**
 * Checks every checkpoint, lowest seq first: its signature, then that the chain still holds its
 * (seq, headHash). A checkpoint beyond the chain's end means the tail was cut off; a head that
 * differs means entries between the last checkpoint that still holds and this one were rewritten.
 */
export const verifyCheckpoints = (
  entries: readonly Pick<AuditEntry, 'seq' | 'hash'>[],
  checkpoints: readonly AuditCheckpoint[],
  checkSignature: SignatureCheck,
  trustedKeyIds: ReadonlySet<string>,
): CheckpointVerification =>
  verifyCheckpointsAgainst({ length: entries.length, hashAt: (seq) => entries[seq - 1]?.hash }, checkpoints, checkSignature, trustedKeyIds);

/** What checking checkpoints needs of a chain: its length and the hash stored at each checkpoint's seq. */
export type ChainHeads = { length: number; hashAt(seq: number): string | undefined };

export const verifyCheckpointsAgainst = (
  entries: ChainHeads,
  checkpoints: readonly AuditCheckpoint[],
  checkSignature: SignatureCheck,
  trustedKeyIds: ReadonlySet<string>,
): CheckpointVerification => {
  let verified = 0;
  let untrusted = 0;
  let latestSeq: number | null = null;
  let lastHeld = 0;
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  for (const checkpoint of sorted) {
    const tally = () => ({ verified, untrusted, latestSeq });
    const signed = safely(() => checkSignature(checkpointMessage(checkpoint), checkpoint.signature, checkpoint.publicKey));
    if (!signed) return { ok: false, ...tally(), problem: 'checkpoint_signature_invalid', failedSeq: checkpoint.seq };
    if (checkpoint.seq > entries.length)
      return { ok: false, ...tally(), problem: 'truncated', failedSeq: checkpoint.seq, firstBrokenSeq: entries.length + 1 };
    const head = checkpoint.seq === 0 ? undefined : entries.hashAt(checkpoint.seq);
    if (head !== undefined && head !== checkpoint.headHash)
      return { ok: false, ...tally(), problem: 'checkpoint_mismatch', failedSeq: checkpoint.seq, firstBrokenSeq: lastHeld + 1 };
    lastHeld = checkpoint.seq;
    if (trustedKeyIds.has(checkpoint.keyId)) {
      verified++;
      latestSeq = checkpoint.seq;
    } else {
      untrusted++;
    }
  }
  return { ok: true, verified, untrusted, latestSeq };
};

export type HistoryVerification = Omit<ChainVerification, 'problem'> & {
  problem?: ChainProblem | CheckpointProblem;
  checkpoints: Omit<CheckpointVerification, 'ok' | 'problem' | 'firstBrokenSeq'>;
};

/** The chain first (it locates an edit exactly), then the checkpoints (they catch a cut tail or a rewrite). */
export const verifyHistory = (
  entries: readonly AuditEntry[],
  checkpoints: readonly AuditCheckpoint[],
  sha256: Sha256,
  checkSignature: SignatureCheck,
  trustedKeyIds: ReadonlySet<string>,
): HistoryVerification => {
  return historyVerificationOf(verifyChain(entries, sha256), verifyCheckpoints(entries, checkpoints, checkSignature, trustedKeyIds));
};

/** The chain's verdict first (it locates an edit exactly), then the checkpoints'. */
export const historyVerificationOf = (chain: ChainVerification, checkpoints: CheckpointVerification): HistoryVerification => {
  const { ok, problem, firstBrokenSeq, ...summary } = checkpoints;
  if (!chain.ok || ok) return { ...chain, checkpoints: summary };
  return { ...chain, ok: false, problem, ...(firstBrokenSeq === undefined ? {} : { firstBrokenSeq }), checkpoints: summary };
};

const safely = (check: () => boolean): boolean => {
  try {
    return check();
  } catch {
    // A malformed key or signature is simply not a valid signature.
    return false;
  }
};
