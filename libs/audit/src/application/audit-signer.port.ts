import type { CheckpointSigning, SignatureCheck } from '../domain/audit-checkpoint.js';

/** Signs checkpoints with the audit key and checks signatures; the domain only sees these functions. */
export type AuditSigner = CheckpointSigning & {
  checkSignature: SignatureCheck;
  /** Keys whose checkpoints count as verified (the one this service signs with). */
  trustedKeyIds: ReadonlySet<string>;
};

export const AUDIT_SIGNER = Symbol('AUDIT_SIGNER');
