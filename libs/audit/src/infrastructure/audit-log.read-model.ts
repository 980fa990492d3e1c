import { Inject, Injectable } from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore } from '@vgp/read-models';
import { type AuditKnowledge, type AuditLogQueries } from '../application/audit-log.queries.js';
import { auditChainDecider, type AuditChainState, type AuditEntry, type AuditIndex, indexOf } from '../domain/audit-chain.js';
import { emptyAuthorizationFacts, learnAuthorizationFact } from '../domain/authorization-facts.js';
import { AUDIT_BINDINGS_COLLECTION, AUDIT_ENTRIES_COLLECTION, type AuditEntryDocument, dayOf } from './audit-log.projection.js';

const DAY_MS = 86_400_000;
/** A window spanning more days than this reads every replay entry instead of one query per day. */
const MAX_DAY_QUERIES = 31;

/** The largest |ms| a Date holds. */
const MAX_TIME = 8.64e15;

/**
 * The audit log as `auditLogProjection` keeps it. Bindings learnt later (a booking that arrived after a
 * replay event on another topic) still file earlier entries under the right clinic and patient: search
 * fields are resolved at query time with everything known then.
 */
@Injectable()
export class AuditLogReadModel implements AuditLogQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  async all(): Promise<AuditEntry[]> {
    const docs = await this.readModels.find<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION);
    return docs.map(parse);
  }

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
    for (let day = firstDay; day <= lastDay; day++)
      days.push(this.readModels.find<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, { replayDay: dayOf(day * DAY_MS) }));
    return (await Promise.all(days)).flat();
  }

  async knowledge(): Promise<AuditKnowledge> {
    const docs = await this.readModels.find<AuditEntryDocument>(AUDIT_BINDINGS_COLLECTION);
    docs.sort((a, b) => a.seq - b.seq);
    let state: AuditChainState = auditChainDecider.initialState();
    const facts = emptyAuthorizationFacts();
    for (const doc of docs) {
      const entry = parse(doc);
      state = auditChainDecider.evolve(state, { type: 'AuditEntryRecorded', data: entry });
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
