import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@vgp/contracts';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import type { AuditEntry } from '../domain/audit-chain.js';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries, type EntrySelector } from './audit-log.queries.js';
import { SearchAuditEventsQuery } from './search-audit-events.query.js';

export type AuditEventItem = {
  seq: number;
  eventId: string;
  action: string;
  occurredAt: string;
  actor: Actor;
  softwareVersion: string;
  featureFlags: string[];
  correlationId: string;
  causationId: string | null;
  clinicId: string | null;
  patientIds: string[];
  recordingIds: string[];
  consultationIds: string[];
  data: unknown;
  hash: string;
  prevHash: string;
};

export type AuditEventPage = { items: AuditEventItem[]; nextCursor: number | null };

@QueryHandler(SearchAuditEventsQuery)
export class SearchAuditEventsHandler implements IQueryHandler<SearchAuditEventsQuery, AuditEventPage> {
  constructor(
    @Inject(AUDIT_LOG_QUERIES) private readonly log: AuditLogQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
  ) {}

  async execute({ officer, filters }: SearchAuditEventsQuery): Promise<AuditEventPage> {
    await this.freshness.caughtUp(AUDIT_LOG_PROJECTION);
    const from = filters.from === undefined ? -Infinity : Date.parse(filters.from);
    const to = filters.to === undefined ? Infinity : Date.parse(filters.to);
    const shown = (entry: AuditEntry): boolean => {
      // An officer sees their own clinic's history only; entries with no known clinic are nobody's.
      if (!entry.clinicIds.includes(officer.clinicId)) return false;
      const { source } = entry;
      if (filters.action !== undefined && source.type !== filters.action) return false;
      if (filters.actorId !== undefined && source.actor.id !== filters.actorId) return false;
      if (filters.patientId !== undefined && !entry.patientIds.includes(filters.patientId)) return false;
      if (filters.recordingId !== undefined && !entry.recordingIds.includes(filters.recordingId)) return false;
      if (filters.consultationId !== undefined && !entry.consultationIds.includes(filters.consultationId)) return false;
      const at = Date.parse(source.occurredAt);
      return at >= from && at < to;
    };
    const after = filters.after ?? 0;
    const selector = selectorOf(officer.clinicId, filters);
    if ('clinicId' in selector && Number.isFinite(from) && Number.isFinite(to)) {
      // A bounded window and nothing narrower: the clinic's time index reads that window only.
      const matches = (await this.log.clinicEntriesBetween(officer.clinicId, from, to)).filter(
        (entry) => entry.seq > after && shown(entry),
      );
      return pageOf(matches, filters.limit);
    }
    const batch = Math.min(Math.max(filters.limit + 1, MIN_BATCH), MAX_BATCH);
    const matches: AuditEntry[] = [];
    let cursor = after;
    // The narrowest index walks the candidates in chain order; the other filters narrow each batch.
    for (;;) {
      const entries = await this.log.entriesAfter(selector, cursor, batch);
      matches.push(...entries.filter(shown));
      if (matches.length > filters.limit || entries.length < batch) return pageOf(matches, filters.limit);
      cursor = entries[entries.length - 1].seq;
    }
  }
}

/** One page in chain order; the cursor is set only when a match follows. */
const pageOf = (matches: AuditEntry[], limit: number): AuditEventPage => {
  const items = matches.slice(0, limit).map(itemOf);
  return { items, nextCursor: matches.length > limit ? items[items.length - 1].seq : null };
};

const MIN_BATCH = 100;
const MAX_BATCH = 1000;

/** The narrowest index the filters allow: a recording, consultation, patient or actor, else the clinic. */
const selectorOf = (clinicId: string, filters: SearchAuditEventsQuery['filters']): EntrySelector => {
  if (filters.recordingId !== undefined) return { recordingId: filters.recordingId };
  if (filters.consultationId !== undefined) return { consultationId: filters.consultationId };
  if (filters.patientId !== undefined) return { patientId: filters.patientId };
  if (filters.actorId !== undefined) return { actorId: filters.actorId };
  return { clinicId };
};

const itemOf = (entry: AuditEntry): AuditEventItem => {
  const { source } = entry;
  return {
    seq: entry.seq,
    eventId: source.id,
    action: source.type,
    occurredAt: source.occurredAt,
    actor: source.actor,
    softwareVersion: source.softwareVersion,
    featureFlags: source.featureFlags,
    correlationId: source.correlationId,
    causationId: source.causationId,
    clinicId: entry.clinicId,
    patientIds: entry.patientIds,
    recordingIds: entry.recordingIds,
    consultationIds: entry.consultationIds,
    data: source.data,
    hash: entry.hash,
    prevHash: entry.prevHash,
  };
};
