import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoStoreInterceptor } from '@vgp/platform';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { GetAccessLogQuery } from '../application/get-access-log.query.js';
import { type AccessLogPage } from '../application/get-access-log.handler.js';
import { AccessLogRequestDto, ACCESS_LOG_PAGE } from './access-log.request.dto.js';
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
    description: `Patients only. Every list, grant, denial, view and consent share that touched your recordings: who, when, which of your recordings, the bytes played, and the software version. Other patients’ recordings never appear. At most ${ACCESS_LOG_PAGE} per page: pass next back as cursor for the rest.`,
  })
  @ApiResponse({ status: 200, type: AccessLogDto, description: 'In the order it happened.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a patient.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  @ApiResponse({ status: 400, description: 'The cursor is malformed.' })
  accessLog(@CurrentUser() patient: AuthenticatedUser, @Query() query: AccessLogRequestDto): Promise<AccessLogPage> {
    return this.queries.execute<GetAccessLogQuery, AccessLogPage>(
      new GetAccessLogQuery(patient, Number(query.cursor ?? 0), ACCESS_LOG_PAGE),
    );
  }
}
