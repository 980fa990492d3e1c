import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoStoreInterceptor } from '@vgp/platform';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { GetAccessLogQuery } from '../application/get-access-log.query.js';
import { type AccessLogItem } from '../domain/access-log.js';
import { AccessLogDto } from './audit.response.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
// Personal data: never cached by browsers or proxies.
@UseInterceptors(NoStoreInterceptor)
@Controller('v1/me')
export class AccessLogController {
  constructor(private readonly queries: QueryBus) {}

  @Get('access-log')
  @Roles('patient')
  @ApiOperation({
    summary: 'Who saw my consultations',
    description:
      'Patients only. Every list, grant, denial, view and consent share that touched your recordings: who, when, which of your recordings, the bytes played, and the software version. Other patients’ recordings never appear.',
  })
  @ApiResponse({ status: 200, type: AccessLogDto, description: 'In the order it happened.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a patient.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  async accessLog(@CurrentUser() patient: AuthenticatedUser): Promise<{ items: AccessLogItem[] }> {
    const items = await this.queries.execute<GetAccessLogQuery, AccessLogItem[]>(new GetAccessLogQuery(patient));
    return { items };
  }
}
