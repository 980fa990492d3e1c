import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '@vgp/auth';
import { GrantShareCommand } from '../application/grant-share.command.js';
import { RevokeShareCommand } from '../application/revoke-share.command.js';
import { CreateShareRequestDto, ShareResponseDto } from './replay-access.dto.js';
import { ReplayResourceNotFound } from '../domain/replay-access.errors.js';
import { NoStoreInterceptor } from '@vgp/platform';
import { recordingIdPipe } from './replays.controller.js';

// eslint-disable-next-line no-useless-assignment -- false positive: used only inside a decorator (eslint/eslint#20947)
const shareIdPipe = new ParseUUIDPipe({ exceptionFactory: () => new ReplayResourceNotFound('share') });

/** Anyone signed in may call these; only the recording's patient succeeds, everyone else gets the same 404. */
@ApiTags('replay shares')
@ApiBearerAuth()
@Controller('v1/recordings/:id/shares')
@UseInterceptors(NoStoreInterceptor)
export class SharesController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Share one of your recordings',
    description: 'Lets one person replay this recording for a purpose, until a date at most a year away.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A recording of yours, from GET /v1/replays.' })
  @ApiResponse({ status: 201, type: ShareResponseDto })
  @ApiResponse({
    status: 400,
    description: 'Invalid or unknown fields, an end in the past or more than a year away, or sharing with yourself.',
  })
  @ApiResponse({ status: 401, description: 'Missing or invalid bearer token.' })
  @ApiResponse({ status: 404, description: 'No such recording of yours (unknown and not-yours look the same).' })
  @ApiResponse({ status: 503, description: 'The change could not be recorded; nothing was shared.' })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', recordingIdPipe) recordingId: string,
    @Body() body: CreateShareRequestDto,
  ): Promise<ShareResponseDto> {
    return this.commands.execute(new GrantShareCommand(user, recordingId, body.granteeId, body.purpose, new Date(body.until)));
  }

  @Delete(':shareId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a share',
    description: 'The grantee loses the recording at once: lists, new grants and streams already under way.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'shareId', format: 'uuid' })
  @ApiResponse({ status: 204, description: 'Revoked (or already revoked).' })
  @ApiResponse({ status: 401, description: 'Missing or invalid bearer token.' })
  @ApiResponse({ status: 404, description: 'No such share on a recording of yours.' })
  @ApiResponse({ status: 503, description: 'The change could not be recorded; the share is unchanged.' })
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    // A malformed recording id here answers like an unknown share.
    @Param('id', shareIdPipe) recordingId: string,
    @Param('shareId', shareIdPipe) shareId: string,
  ): Promise<void> {
    await this.commands.execute(new RevokeShareCommand(user, recordingId, shareId));
  }
}
