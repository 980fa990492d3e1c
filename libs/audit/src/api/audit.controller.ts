import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoStoreInterceptor } from '@vgp/platform';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { InvalidRequest } from '@vgp/domain';
import { type AuditEventPage } from '../application/search-audit-events.handler.js';
import { ReconstructIncidentQuery } from '../application/reconstruct-incident.query.js';
import { SearchAuditEventsQuery } from '../application/search-audit-events.query.js';
import { SignAuditCheckpointCommand } from '../application/sign-audit-checkpoint.command.js';
import { VerifyAuditChainQuery } from '../application/verify-audit-chain.query.js';
import { type AuditCheckpoint, type HistoryVerification } from '../domain/audit-checkpoint.js';
import { type IncidentReport } from '../domain/incident-reconstruction.js';
import { AuditCheckpointDto, AuditEventPageDto, ChainVerificationDto, IncidentReportDto } from './audit.response.dto.js';
import { MAX_INCIDENT_WINDOW_DAYS, ReconstructIncidentRequestDto } from './reconstruct-incident.request.dto.js';
import { DEFAULT_AUDIT_PAGE, SearchAuditEventsRequestDto } from './search-audit-events.request.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
// Personal data: never cached by browsers or proxies.
@UseInterceptors(NoStoreInterceptor)
@Controller('v1/audit')
@Roles('compliance_officer')
export class AuditController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: 'Search the audit history of your clinic',
    description:
      'Compliance officers only. Entries in chain order, each with actor, software version, feature flags and the data recorded. Page with `after=nextCursor`.',
  })
  @ApiResponse({ status: 200, type: AuditEventPageDto, description: 'One page of entries.' })
  @ApiResponse({ status: 400, description: 'A filter is malformed; `errors` names it.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  events(@CurrentUser() officer: AuthenticatedUser, @Query() query: SearchAuditEventsRequestDto): Promise<AuditEventPage> {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
      throw new InvalidRequest('validation-failed', '`from` must not be after `to`.');
    }
    const { limit = DEFAULT_AUDIT_PAGE, ...filters } = query;
    return this.queries.execute<SearchAuditEventsQuery, AuditEventPage>(new SearchAuditEventsQuery(officer, { ...filters, limit }));
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the integrity of the whole audit history',
    description:
      'Compliance officers only. Recomputes every hash of the chain from the store and names the first entry that does not hold: an edit (hash_mismatch, or prev_hash_mismatch at the next entry when its hash was recomputed too), a deletion or reordering (seq_gap), or altered search fields (index_mismatch). Then checks every signed checkpoint: its Ed25519 signature (checkpoint_signature_invalid), and that the chain still holds its (seq, headHash): a chain shorter than a checkpoint lost its tail (truncated), a different head means entries after the last checkpoint that holds were rewritten (checkpoint_mismatch).',
  })
  @ApiResponse({ status: 200, type: ChainVerificationDto, description: 'The verdict; `ok: false` names the first broken seq.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  verify(): Promise<HistoryVerification> {
    return this.queries.execute<VerifyAuditChainQuery, HistoryVerification>(new VerifyAuditChainQuery());
  }

  @Post('checkpoints')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sign a checkpoint of the audit chain now',
    description:
      'Compliance officers only. Signs {seq, headHash, at} of the chain as it stands (after chaining everything received) with the audit Ed25519 key and appends it to the checkpoint stream. Checkpoints are also signed automatically every AUDIT_CHECKPOINT_EVERY entries. Keep the answer outside the platform: it proves later that nothing up to `seq` was removed or rewritten.',
  })
  @ApiResponse({ status: 201, type: AuditCheckpointDto, description: 'The signed checkpoint.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be written.' })
  checkpoint(@CurrentUser() officer: AuthenticatedUser): Promise<AuditCheckpoint> {
    return this.commands.execute<SignAuditCheckpointCommand, AuditCheckpoint>(new SignAuditCheckpointCommand(officer));
  }

  @Post('incidents/reconstruct')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reconstruct who was wrongly shown or played which recordings in a window',
    description: `Compliance officers only, for their clinic's recordings. Re-derives from booking and recording facts alone (and patients' consent shares) whether each viewer was entitled to each recording listed, granted or streamed in [from, to), at most ${MAX_INCIDENT_WINDOW_DAYS} days, optionally of one software version. Every access those facts do not justify is an exposure, grouped by viewer and patient and classified as the incident's operator had to: shown_in_list, started_playback, or opened_no_patient_content (a recording stored with 0 bytes). Legitimate access never appears.`,
  })
  @ApiResponse({ status: 200, type: IncidentReportDto, description: 'Exposures, affected patients and viewers, and a summary.' })
  @ApiResponse({ status: 400, description: 'A field is malformed, `from` is not before `to`, or the window is longer than 90 days.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  reconstruct(@CurrentUser() officer: AuthenticatedUser, @Body() body: ReconstructIncidentRequestDto): Promise<IncidentReport> {
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    if (!(from < to)) throw invalidWindow('`from` must be before `to`.');
    if (to - from > MAX_INCIDENT_WINDOW_DAYS * 86_400_000)
      throw invalidWindow(`The window may span at most ${MAX_INCIDENT_WINDOW_DAYS} days; split the investigation into several windows.`);
    const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), softwareVersion: body.softwareVersion ?? null };
    return this.queries.execute<ReconstructIncidentQuery, IncidentReport>(new ReconstructIncidentQuery(officer, window));
  }
}

const invalidWindow = (detail: string) => new InvalidRequest('invalid-window', detail);
