import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AccessLogItem, accessLogItemFor } from '../domain/access-log';
import { AuditLogProjection } from '../infrastructure/audit-log.projection';
import { GetAccessLogQuery } from './get-access-log.query';

@QueryHandler(GetAccessLogQuery)
export class GetAccessLogHandler implements IQueryHandler<GetAccessLogQuery, AccessLogItem[]> {
  constructor(private readonly log: AuditLogProjection) {}

  async execute({ patient }: GetAccessLogQuery): Promise<AccessLogItem[]> {
    await this.log.caughtUp();
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
