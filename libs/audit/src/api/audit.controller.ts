import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { ProblemException } from '@vgp/platform';
import { AuditEventPage } from '../application/search-audit-events.handler';
import { SearchAuditEventsQuery } from '../application/search-audit-events.query';
import { VerifyAuditChainQuery } from '../application/verify-audit-chain.query';
import { ChainVerification } from '../domain/audit-chain';
import { asProblem } from './audit-problems';
import { AuditEventPageDto, ChainVerificationDto } from './audit.response.dto';
import { DEFAULT_AUDIT_PAGE, SearchAuditEventsRequestDto } from './search-audit-events.request.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@Roles('compliance_officer')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('events')
  @ApiOperation({
    summary: 'Search the audit history of your clinic',
    description: 'Compliance officers only. Entries in chain order, each with actor, software version, feature flags and the data recorded. Page with `after=nextCursor`.',
  })
  @ApiResponse({ status: 200, type: AuditEventPageDto, description: 'One page of entries.' })
  @ApiResponse({ status: 400, description: 'A filter is malformed; `errors` names it.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  events(@CurrentUser() officer: AuthenticatedUser, @Query() query: SearchAuditEventsRequestDto): Promise<AuditEventPage> {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
      throw new ProblemException(400, { type: 'validation-failed', title: 'Invalid request', detail: '`from` must not be after `to`.' });
    }
    const { limit = DEFAULT_AUDIT_PAGE, ...filters } = query;
    return asProblem(() => this.queries.execute<SearchAuditEventsQuery, AuditEventPage>(new SearchAuditEventsQuery(officer, { ...filters, limit })));
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the integrity of the whole audit history',
    description:
      'Compliance officers only. Recomputes every hash of the chain from the store and names the first entry that does not hold: an edit (hash_mismatch, or prev_hash_mismatch at the next entry when its hash was recomputed too), a deletion or reordering (seq_gap), or altered search fields (index_mismatch).',
  })
  @ApiResponse({ status: 200, type: ChainVerificationDto, description: 'The verdict; `ok: false` names the first broken seq.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  verify(): Promise<ChainVerification> {
    return asProblem(() => this.queries.execute<VerifyAuditChainQuery, ChainVerification>(new VerifyAuditChainQuery()));
  }
}
