import type { Ownership } from '../domain/access-log.js';
import type { AuditEntry, AuditIndex } from '../domain/audit-chain.js';
import type { AuthorizationFacts } from '../domain/authorization-facts.js';

/** The audit-log projection's name: its checkpoint, and what read-your-writes waits on. */
export const AUDIT_LOG_PROJECTION = 'audit-log';

/** What the facts in the log say now: the chain's bindings and the authorization facts. */
export type AuditKnowledge = {
  /** Resolves an entry's search fields: as recorded, plus whatever the bindings known now add. */
  resolvedIndex(entry: AuditEntry): AuditIndex;
  ownership: Ownership;
  authorizationFacts: AuthorizationFacts;
};

/** The audit log as folded from `auditlog-main` (the read model, not the chain itself). */
export interface AuditLogQueries {
  /** Every entry in chain order (seq ascending). */
  all(): Promise<AuditEntry[]>;
  /** Replay entries with from <= occurredAt < to (ms), oldest first (ties in chain order). */
  replayEntriesBetween(from: number, to: number): Promise<AuditEntry[]>;
  /** The bindings and authorization facts of the whole history, folded in chain order. */
  knowledge(): Promise<AuditKnowledge>;
}

export const AUDIT_LOG_QUERIES = Symbol('AUDIT_LOG_QUERIES');
