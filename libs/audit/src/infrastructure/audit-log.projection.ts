import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, StoredEvent, Subscription } from '@vgp/event-store';
import { ProjectionDefinition, ProjectionHandler, READ_MODEL_STORE, ReadModelStore, startProjection } from '@vgp/read-models';
import { Ownership, REPLAY_ACTIONS } from '../domain/access-log';
import { AuditChainState, AuditEntry, AuditIndex, BINDING_TYPES, evolve, indexOf, initialState } from '../domain/audit-chain';
import { AuthorizationFacts, emptyAuthorizationFacts, learnAuthorizationFact } from '../domain/authorization-facts';

/** The projection's name (its checkpoint) and its collections. */
export const AUDIT_LOG_PROJECTION = 'audit-log';
/** One document per chain entry, id = zero-padded seq, so id order is chain order. */
export const AUDIT_ENTRIES_COLLECTION = 'audit_entries';
/** The entries that teach bindings or authorization facts, id = zero-padded seq (chain order matters: later facts override or lose). */
export const AUDIT_BINDINGS_COLLECTION = 'audit_bindings';

/** Source types that change the chain state's bindings or the authorization facts. */
const FACT_TYPES: readonly string[] = [...new Set([...BINDING_TYPES, 'ConsultationBooked', 'ConsultationCancelled', 'RecordingStored', 'ShareGranted', 'ShareRevoked'])];

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

const DAY_MS = 86_400_000;
/** A window spanning more days than this reads every replay entry instead of one query per day. */
const MAX_DAY_QUERIES = 31;

/** The largest |ms| a Date holds. */
const MAX_TIME = 8.64e15;

const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

export const seqKey = (seq: number): string => String(seq).padStart(15, '0');

const entryOf = (event: StoredEvent): AuditEntry | null => (event.type === 'AuditEntryRecorded' ? (event.data as AuditEntry) : null);

/** Pure: the document of one recorded entry (entries never change once chained). */
export const foldAuditEntry = (doc: AuditEntryDocument | null, event: StoredEvent): AuditEntryDocument | null => {
  const entry = entryOf(event);
  if (!entry) return doc;
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

const byEntry: ProjectionHandler<AuditEntryDocument> = {
  collection: AUDIT_ENTRIES_COLLECTION,
  indexes: [
    { name: 'by_seq', fields: ['seq'], unique: true },
    { name: 'by_replay', fields: ['replay'] },
    { name: 'by_replay_day', fields: ['replayDay'] },
  ],
  keyOf: (event) => {
    const entry = entryOf(event);
    return entry ? seqKey(entry.seq) : null;
  },
  fold: foldAuditEntry,
};

const byFact: ProjectionHandler<AuditEntryDocument> = {
  collection: AUDIT_BINDINGS_COLLECTION,
  indexes: [{ name: 'by_seq', fields: ['seq'], unique: true }],
  keyOf: (event) => {
    const entry = entryOf(event);
    return entry && FACT_TYPES.includes(entry.sourceType) ? seqKey(entry.seq) : null;
  },
  fold: foldAuditEntry,
};

/** The `auditlog-main` chain folded into queryable documents. */
export const auditLogProjection: ProjectionDefinition = {
  name: AUDIT_LOG_PROJECTION,
  categories: ['auditlog'],
  handlers: [byEntry as unknown as ProjectionHandler, byFact as unknown as ProjectionHandler],
};

/** What the facts in the log say now: the chain's bindings and the authorization facts. */
export type AuditKnowledge = {
  /** Resolves an entry's search fields: as recorded, plus whatever the bindings known now add. */
  resolvedIndex(entry: AuditEntry): AuditIndex;
  ownership: Ownership;
  authorizationFacts: AuthorizationFacts;
};

/**
 * The audit log in the context's read-model store (MongoDB in distributed mode, memory when
 * embedded), folded from `auditlog-main`. Bindings learnt later (a booking that arrived after a
 * replay event on another topic) still file earlier entries under the right clinic and patient:
 * search fields are resolved at query time with everything known then.
 */
@Injectable()
export class AuditLogProjection {
  private subscription: Subscription | null = null;
  private starting: Promise<void> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  start(): Promise<void> {
    this.starting ??= startProjection(auditLogProjection, { eventStore: this.store, readModels: this.readModels }).then(
      (subscription) => {
        this.subscription = subscription;
      },
      (error: unknown) => {
        this.starting = null;
        throw error;
      },
    );
    return this.starting;
  }

  get running(): boolean {
    return this.subscription !== null;
  }

  async caughtUp(): Promise<void> {
    if (!this.subscription) throw new Error('the audit log projection is not running');
    await this.subscription.caughtUp();
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const subscription = this.subscription;
    this.subscription = null;
    this.starting = null;
    await subscription?.stop();
  }

  /** Every entry in chain order (seq ascending). */
  async all(): Promise<AuditEntry[]> {
    const docs = await this.readModels.find<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION);
    return docs.map(parse);
  }

  /** Replay entries with from <= occurredAt < to (ms), oldest first (ties in chain order). */
  async replayEntriesBetween(from: number, to: number): Promise<AuditEntry[]> {
    if (!(from < to)) return [];
    const docs = await this.replayDocsAround(from, to);
    return docs
      .filter((doc) => doc.at >= from && doc.at < to)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map(parse);
  }

  /** Replay documents of the days [from, to) touches, through the day index when the window is short. */
  private async replayDocsAround(from: number, to: number): Promise<AuditEntryDocument[]> {
    const firstDay = Math.floor(from / DAY_MS);
    const lastDay = Math.floor((to - 1) / DAY_MS);
    if (!(Math.abs(from) <= MAX_TIME && Math.abs(to) <= MAX_TIME) || lastDay - firstDay + 1 > MAX_DAY_QUERIES) {
      return this.readModels.find<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, { replay: true });
    }
    const days: Promise<AuditEntryDocument[]>[] = [];
    for (let day = firstDay; day <= lastDay; day++) days.push(this.readModels.find<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, { replayDay: dayOf(day * DAY_MS) }));
    return (await Promise.all(days)).flat();
  }

  /** The bindings and authorization facts of the whole history, folded in chain order. */
  async knowledge(): Promise<AuditKnowledge> {
    const docs = await this.readModels.find<AuditEntryDocument>(AUDIT_BINDINGS_COLLECTION);
    docs.sort((a, b) => a.seq - b.seq);
    let state: AuditChainState = initialState();
    const facts = emptyAuthorizationFacts();
    for (const doc of docs) {
      const entry = parse(doc);
      state = evolve(state, { type: 'AuditEntryRecorded', data: entry });
      learnAuthorizationFact(facts, entry.source);
    }
    const resolved = new WeakMap<AuditEntry, AuditIndex>();
    return {
      resolvedIndex: (entry) => {
        const cached = resolved.get(entry);
        if (cached) return cached;
        const index = resolveIndex(state, entry);
        resolved.set(entry, index);
        return index;
      },
      ownership: {
        ownerOfRecording: (id) => state.recordings.get(id),
        ownerOfConsultation: (id) => state.consultations.get(id),
      },
      authorizationFacts: facts,
    };
  }
}

const parse = (doc: AuditEntryDocument): AuditEntry => JSON.parse(doc.entry) as AuditEntry;

const resolveIndex = (state: AuditChainState, entry: AuditEntry): AuditIndex => {
  const now = indexOf(state, entry.source);
  const merge = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  const clinicIds = merge(entry.clinicIds ?? (entry.clinicId ? [entry.clinicId] : []), now.clinicIds);
  return {
    clinicId: clinicIds[0] ?? null,
    clinicIds,
    patientIds: merge(entry.patientIds, now.patientIds),
    recordingIds: merge(entry.recordingIds, now.recordingIds),
    consultationIds: merge(entry.consultationIds, now.consultationIds),
  };
};
