import { Inject, Injectable } from '@nestjs/common';
import { type Condition, READ_MODEL_STORE, type ReadModelPage, type ReadModelStore } from '@vgp/read-models';
import { type AuditLogQueries, type EntrySelector } from '../application/audit-log.queries.js';
import type { Owner, Ownership } from '../domain/access-log.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import { type AuthorizationFacts, emptyAuthorizationFacts, learnAuthorizationFact } from '../domain/authorization-facts.js';
import {
  AUDIT_BINDINGS_COLLECTION,
  AUDIT_ENTRIES_COLLECTION,
  AUDIT_SUBJECTS_COLLECTION,
  type AuditEntryDocument,
  consultationKey,
  recordingKey,
  type SubjectDocument,
} from './audit-log.projection.js';

const PAGE = 1000;

/** The audit log as `auditLogProjection` keeps it: every read goes through an index, costing what it returns. */
@Injectable()
export class AuditLogReadModel implements AuditLogQueries {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  async entriesAfter(selector: EntrySelector, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const page = await this.readModels.query<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, {
      where: { ...whereOf(selector), seq: { gt: afterSeq } },
      sort: { field: 'seq' },
      limit,
    });
    return page.items.map(resolved);
  }

  async clinicEntriesBetween(clinicId: string, from: number, to: number): Promise<AuditEntry[]> {
    const entries = await this.between('by_clinic_time', { clinicIds: { contains: clinicId } }, from, to);
    return entries.sort((a, b) => a.seq - b.seq);
  }

  replayEntriesBetween(from: number, to: number): Promise<AuditEntry[]> {
    return this.between('by_replay_time', { replay: true }, from, to);
  }

  /** Every entry an index finds with from <= at < to, by time (ties in chain order). */
  private async between(index: string, where: Record<string, Condition>, from: number, to: number): Promise<AuditEntry[]> {
    if (!(from < to)) return [];
    const at: Record<string, number> = {};
    if (Number.isFinite(from)) at.gte = from;
    if (Number.isFinite(to)) at.lt = to;
    const entries: AuditEntry[] = [];
    let after: string | null = null;
    do {
      const page: ReadModelPage<AuditEntryDocument> = await this.readModels.query<AuditEntryDocument>(AUDIT_ENTRIES_COLLECTION, {
        index,
        where: { ...where, ...(Object.keys(at).length > 0 && { at }) },
        sort: { field: 'at' },
        limit: PAGE,
        after,
      });
      entries.push(...page.items.map(resolved));
      after = page.next;
    } while (after !== null);
    return entries;
  }

  async ownershipOf(recordingIds: Iterable<string>, consultationIds: Iterable<string>): Promise<Ownership> {
    const load = async (keyOf: (id: string) => string, ids: Iterable<string>) =>
      new Map<string, Owner>(
        await Promise.all(
          [...new Set(ids)].map(async (id): Promise<[string, Owner]> => {
            const subject = await this.readModels.get<SubjectDocument>(AUDIT_SUBJECTS_COLLECTION, keyOf(id));
            return [id, subject ? { patientId: subject.patientId ?? undefined, clinicId: subject.clinicId ?? undefined } : {}];
          }),
        ),
      );
    const [recordings, consultations] = await Promise.all([load(recordingKey, recordingIds), load(consultationKey, consultationIds)]);
    const known = (owner: Owner | undefined) =>
      owner && (owner.patientId !== undefined || owner.clinicId !== undefined) ? owner : undefined;
    return {
      ownerOfRecording: (id) => known(recordings.get(id)),
      ownerOfConsultation: (id) => known(consultations.get(id)),
    };
  }

  async authorizationFacts(): Promise<AuthorizationFacts> {
    const facts = emptyAuthorizationFacts();
    let after: string | null = null;
    do {
      const page: ReadModelPage<AuditEntryDocument> = await this.readModels.query<AuditEntryDocument>(AUDIT_BINDINGS_COLLECTION, {
        where: { seq: { gte: 0 } },
        sort: { field: 'seq' },
        limit: PAGE,
        after,
      });
      for (const doc of page.items) learnAuthorizationFact(facts, parse(doc).source);
      after = page.next;
    } while (after !== null);
    return facts;
  }
}

const whereOf = (selector: EntrySelector): Record<string, Condition> => {
  if ('clinicId' in selector) return { clinicIds: { contains: selector.clinicId } };
  if ('patientId' in selector)
    return selector.replayOnly
      ? { patientIds: { contains: selector.patientId }, replay: true }
      : { patientIds: { contains: selector.patientId } };
  if ('recordingId' in selector) return { recordingIds: { contains: selector.recordingId } };
  if ('consultationId' in selector) return { consultationIds: { contains: selector.consultationId } };
  return { actorId: selector.actorId };
};

const parse = (doc: AuditEntryDocument): AuditEntry => JSON.parse(doc.entry) as AuditEntry;

/** The entry as chained, with the search fields every binding known now gives it. */
const resolved = (doc: AuditEntryDocument): AuditEntry => ({
  ...parse(doc),
  clinicId: doc.clinicIds[0] ?? null,
  clinicIds: doc.clinicIds,
  patientIds: doc.patientIds,
  recordingIds: doc.recordingIds,
  consultationIds: doc.consultationIds,
});
