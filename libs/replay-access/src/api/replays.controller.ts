import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { ListReplaysCommand } from '../application/list-replays.command.js';
import { RequestReplayGrantCommand } from '../application/request-replay-grant.command.js';
import { ReplayGrantResponseDto, ReplayListResponseDto } from './replay-access.dto.js';
import { ReplayResourceNotFound } from '../domain/replay-access.errors.js';
import { NoFieldsRequestDto, NoStoreInterceptor } from '@vgp/platform';

/** A malformed recording id answers exactly like an unknown one. */
export const recordingIdPipe = new ParseUUIDPipe({ exceptionFactory: () => new ReplayResourceNotFound('recording') });

@ApiTags('replays')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(NoStoreInterceptor)
export class ReplaysController {
  constructor(private readonly commands: CommandBus) {}

  @Get('replays')
  @Roles('patient', 'clinician')
  @ApiOperation({
    summary: 'List the recordings you may replay',
    description:
      'Your own consultations (as patient or clinician) and recordings shared with you. The list, with every recording and patient in it, is recorded in the audit before it is answered.',
  })
  @ApiResponse({ status: 200, type: ReplayListResponseDto })
  @ApiResponse({ status: 401, description: 'Missing or invalid bearer token.' })
  @ApiResponse({ status: 403, description: 'Only patients and clinicians replay recordings.' })
  @ApiResponse({ status: 503, description: 'Replays are switched off, or the access could not be recorded; nothing was listed.' })
  list(@CurrentUser() user: AuthenticatedUser): Promise<ReplayListResponseDto> {
    return this.commands.execute(new ListReplaysCommand(user));
  }

  @Post('recordings/:id/replay-grants')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Get a short-lived stream URL for one recording',
    description: 'The URL is bound to you and this recording and expires within minutes. Grants and refusals are both audited first.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The recording id, from GET /v1/replays.' })
  @ApiBody({ required: false, schema: { type: 'object', additionalProperties: false, properties: {} } })
  @ApiResponse({ status: 201, type: ReplayGrantResponseDto })
  @ApiResponse({ status: 400, description: 'The body has fields; send none.' })
  @ApiResponse({ status: 401, description: 'Missing or invalid bearer token.' })
  @ApiResponse({ status: 404, description: 'No such recording available to you (unknown and not-yours look the same).' })
  @ApiResponse({ status: 503, description: 'Replays are switched off, or the access could not be recorded; no URL was issued.' })
  grant(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', recordingIdPipe) recordingId: string,
    @Body() _body: NoFieldsRequestDto,
  ): Promise<ReplayGrantResponseDto> {
    return this.commands.execute(new RequestReplayGrantCommand(user, recordingId));
  }
}
