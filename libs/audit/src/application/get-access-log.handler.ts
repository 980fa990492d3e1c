import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type AccessLogItem, accessLogItemFor } from '../domain/access-log.js';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries } from './audit-log.queries.js';
import { GetAccessLogQuery } from './get-access-log.query.js';

export type AccessLogPage = { items: AccessLogItem[]; next: string | null };

const BATCH = 200;

/** A patient's replay entries through the patient index, in chain order: costs what the patient has, not what the log holds. */
@QueryHandler(GetAccessLogQuery)
export class GetAccessLogHandler implements IQueryHandler<GetAccessLogQuery, AccessLogPage> {
  constructor(
    @Inject(AUDIT_LOG_QUERIES) private readonly log: AuditLogQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
  ) {}

  async execute({ patient, afterSeq, limit }: GetAccessLogQuery): Promise<AccessLogPage> {
    await this.freshness.caughtUp(AUDIT_LOG_PROJECTION);
    const batch = Math.max(limit + 1, BATCH);
    const items: AccessLogItem[] = [];
    let cursor = afterSeq;
    for (;;) {
      const entries = await this.log.entriesAfter({ patientId: patient.id, replayOnly: true }, cursor, batch);
      const owners = await this.log.ownershipOf(
        entries.flatMap((entry) => entry.recordingIds),
        entries.flatMap((entry) => entry.consultationIds),
      );
      for (const entry of entries) {
        const item = accessLogItemFor(patient, entry, owners);
        if (!item) continue;
        if (items.length === limit) return { items, next: String(items[items.length - 1].seq) };
        items.push(item);
      }
      if (entries.length < batch) return { items, next: null };
      cursor = entries[entries.length - 1].seq;
    }
  }
}
