import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_FRESHNESS, type ReadModelFreshness } from '@vgp/platform';
import { type AccessLogItem, accessLogItemFor } from '../domain/access-log.js';
import { AUDIT_LOG_PROJECTION, AUDIT_LOG_QUERIES, type AuditLogQueries } from './audit-log.queries.js';
import { GetAccessLogQuery } from './get-access-log.query.js';

@QueryHandler(GetAccessLogQuery)
export class GetAccessLogHandler implements IQueryHandler<GetAccessLogQuery, AccessLogItem[]> {
  constructor(
    @Inject(AUDIT_LOG_QUERIES) private readonly log: AuditLogQueries,
    @Inject(READ_MODEL_FRESHNESS) private readonly freshness: ReadModelFreshness,
  ) {}

  async execute({ patient }: GetAccessLogQuery): Promise<AccessLogItem[]> {
    await this.freshness.caughtUp(AUDIT_LOG_PROJECTION);
    const [entries, known] = await Promise.all([this.log.all(), this.log.knowledge()]);
    const owners = known.ownership;
    const items: AccessLogItem[] = [];
    for (const entry of entries) {
      const item = accessLogItemFor(patient, { ...entry, ...known.resolvedIndex(entry) }, owners);
      if (item) items.push(item);
    }
    return items;
  }
}
