/** The last entry chained so far. */
export type ChainHead = { seq: number; headHash: string };

/** The chain's head as the appender holds it; wait on `READ_MODEL_FRESHNESS.caughtUp(AUDIT_CHAIN_PROCESSOR)` first for a head that covers the inbox. */
export interface AuditChainHead {
  head(): ChainHead;
}

export const AUDIT_CHAIN_HEAD = Symbol('AUDIT_CHAIN_HEAD');
/** The processor that chains the inbox into `auditlog-main`: its name in readiness, logs and freshness. */
export const AUDIT_CHAIN_PROCESSOR = 'audit-chain';
