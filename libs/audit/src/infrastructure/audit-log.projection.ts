import { type ProjectionDefinition, projectionHandler, type StoredOf } from '@vgp/read-models';
import { AUDIT_LOG_PROJECTION } from '../application/audit-log.queries.js';
import { REPLAY_ACTIONS } from '../domain/access-log.js';
import { type AuditEntryRecorded, BINDING_TYPES } from '../domain/audit-chain.js';

/** One document per chain entry, id = zero-padded seq, so id order is chain order. */
export const AUDIT_ENTRIES_COLLECTION = 'audit_entries';
/** The entries that teach bindings or authorization facts, id = zero-padded seq (chain order matters: later facts override or lose). */
export const AUDIT_BINDINGS_COLLECTION = 'audit_bindings';

/** Source types that change the chain state's bindings or the authorization facts. */
const FACT_TYPES: readonly string[] = [
  ...new Set([...BINDING_TYPES, 'ConsultationBooked', 'ConsultationCancelled', 'RecordingStored', 'ShareGranted', 'ShareRevoked']),
];

/** A stored entry: the entry itself (as JSON, so any source payload stays storable) plus scalar search fields. */
export type AuditEntryDocument = {
  seq: number;
  action: string;
  actorId: string;
  occurredAt: string;
  /** Milliseconds since the epoch (0 when unparseable): the replay timeline's order. */
  at: number;
  replay: boolean;
  /** The UTC day (YYYY-MM-DD) of a replay entry, null for others: the timeline's index. */
  replayDay: string | null;
  clinicIds: string[];
  patientIds: string[];
  recordingIds: string[];
  consultationIds: string[];
  entry: string;
};

export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

export const seqKey = (seq: number): string => String(seq).padStart(15, '0');

/** Pure: the document of one recorded entry (entries never change once chained). */
export const foldAuditEntry = (_doc: AuditEntryDocument | null, { data: entry }: StoredOf<AuditEntryRecorded>): AuditEntryDocument => {
  const parsed = Date.parse(entry.source.occurredAt);
  const at = Number.isNaN(parsed) ? 0 : parsed;
  const replay = REPLAY_ACTIONS.includes(entry.sourceType);
  return {
    seq: entry.seq,
    action: entry.source.type,
    actorId: entry.source.actor.id,
    occurredAt: entry.source.occurredAt,
    at,
    replay,
    replayDay: replay ? dayOf(at) : null,
    clinicIds: entry.clinicIds ?? (entry.clinicId ? [entry.clinicId] : []),
    patientIds: entry.patientIds,
    recordingIds: entry.recordingIds,
    consultationIds: entry.consultationIds,
    entry: JSON.stringify(entry),
  };
};

const byEntry = projectionHandler<AuditEntryDocument, AuditEntryRecorded>({
  collection: AUDIT_ENTRIES_COLLECTION,
  indexes: [
    { name: 'by_seq', fields: ['seq'], unique: true },
    { name: 'by_replay', fields: ['replay'] },
    { name: 'by_replay_day', fields: ['replayDay'] },
  ],
  canHandle: ['AuditEntryRecorded'],
  keyOf: (event) => seqKey(event.data.seq),
  evolve: foldAuditEntry,
});

const byFact = projectionHandler<AuditEntryDocument, AuditEntryRecorded>({
  collection: AUDIT_BINDINGS_COLLECTION,
  indexes: [{ name: 'by_seq', fields: ['seq'], unique: true }],
  canHandle: ['AuditEntryRecorded'],
  keyOf: (event) => (FACT_TYPES.includes(event.data.sourceType) ? seqKey(event.data.seq) : null),
  evolve: foldAuditEntry,
});

/**
 * The `auditlog-main` chain folded into queryable documents, in the context's read-model store (MongoDB
 * in distributed mode, memory when embedded). Queried through `AuditLogReadModel`.
 */
export const auditLogProjection: ProjectionDefinition = {
  name: AUDIT_LOG_PROJECTION,
  categories: ['auditlog'],
  handlers: [byEntry, byFact],
};
