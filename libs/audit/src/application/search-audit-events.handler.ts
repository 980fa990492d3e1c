import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@vgp/contracts';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries } from './audit-log.queries.js';
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
    const items: AuditEventItem[] = [];
    let more = false;
    const [entries, known] = await Promise.all([this.log.all(), this.log.knowledge()]);
    for (const entry of entries) {
      if (filters.after !== undefined && entry.seq <= filters.after) continue;
      const index = known.resolvedIndex(entry);
      // An officer sees their own clinic's history only; entries with no known clinic are nobody's.
      if (!index.clinicIds.includes(officer.clinicId)) continue;
      const { source } = entry;
      if (filters.action !== undefined && source.type !== filters.action) continue;
      if (filters.actorId !== undefined && source.actor.id !== filters.actorId) continue;
      if (filters.patientId !== undefined && !index.patientIds.includes(filters.patientId)) continue;
      if (filters.recordingId !== undefined && !index.recordingIds.includes(filters.recordingId)) continue;
      if (filters.consultationId !== undefined && !index.consultationIds.includes(filters.consultationId)) continue;
      const at = Date.parse(source.occurredAt);
      if (at < from || at >= to) continue;
      if (items.length === filters.limit) {
        more = true;
        break;
      }
      items.push({
        seq: entry.seq,
        eventId: source.id,
        action: source.type,
        occurredAt: source.occurredAt,
        actor: source.actor,
        softwareVersion: source.softwareVersion,
        featureFlags: source.featureFlags,
        correlationId: source.correlationId,
        causationId: source.causationId,
        clinicId: index.clinicId,
        patientIds: index.patientIds,
        recordingIds: index.recordingIds,
        consultationIds: index.consultationIds,
        data: source.data,
        hash: entry.hash,
        prevHash: entry.prevHash,
      });
    }
    return { items, nextCursor: more ? items[items.length - 1].seq : null };
  }
}
