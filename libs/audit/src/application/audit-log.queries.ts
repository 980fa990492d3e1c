import type { Ownership } from '../domain/access-log.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import type { AuthorizationFacts } from '../domain/authorization-facts.js';

/** The audit-log projection's name: its checkpoint, and what read-your-writes waits on. */
export const AUDIT_LOG_PROJECTION = 'audit-log';

/** Which entries to walk, each through its own index: one clinic's, patient's, recording's, consultation's or actor's. */
export type EntrySelector =
  | { clinicId: string }
  | { patientId: string; replayOnly?: boolean }
  | { recordingId: string }
  | { consultationId: string }
  | { actorId: string };

/**
 * The audit log as folded from `auditlog-main` (the read model, not the chain itself). Entries come with
 * their search fields resolved with every binding known now (a booking learnt after a replay event still
 * files it under the right clinic and patient).
 */
export interface AuditLogQueries {
  /** The selected entries with seq > afterSeq, in chain order, at most `limit`. */
  entriesAfter(selector: EntrySelector, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The clinic's entries with from <= occurredAt < to (ms), in chain order: what a time window costs, whatever the history. */
  clinicEntriesBetween(clinicId: string, from: number, to: number): Promise<AuditEntry[]>;
  /** Replay entries with from <= occurredAt < to (ms), oldest first (ties in chain order). */
  replayEntriesBetween(from: number, to: number): Promise<AuditEntry[]>;
  /** Who owns these recordings and consultations, from the chain's bindings (booking and recording facts). */
  ownershipOf(recordingIds: Iterable<string>, consultationIds: Iterable<string>): Promise<Ownership>;
  /** The authorization facts of the whole history, folded in chain order (booking, recording and share facts only). */
  authorizationFacts(): Promise<AuthorizationFacts>;
}

export const AUDIT_LOG_QUERIES = Symbol('AUDIT_LOG_QUERIES');
