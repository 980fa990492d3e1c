import { Controller, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { InvalidRequest } from '@vgp/domain';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { StoreRecordingCommand } from '../application/store-recording.command.js';
import { CallNotFound } from '../domain/recording.errors.js';
import { RecordingStoredResponseDto } from './recording-stored.response.dto.js';
import { UploadRecordingQueryDto } from './upload-recording.query.dto.js';

type UploadRequest = { body?: unknown; raw: IncomingMessage };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

@ApiTags('recordings')
@ApiBearerAuth()
@Controller('v1/calls')
export class RecordingsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':callId/recordings')
  @Roles('patient', 'clinician')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Upload a recording of a segment of a running call',
    description:
      "The raw body is the media. The server files it under the call's consultation, patient and clinician and the " +
      'current segment (or the named one), at a key it chooses; nothing in the request can say otherwise.',
  })
  @ApiParam({ name: 'callId', format: 'uuid' })
  @ApiConsumes('audio/webm', 'audio/ogg', 'video/webm', 'video/mp4')
  @ApiBody({ description: 'The media bytes.', schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'X-Content-SHA256', required: false, description: 'Hex SHA-256 of the body; checked against what was stored.' })
  @ApiResponse({ status: 201, type: RecordingStoredResponseDto, description: 'Stored, and its RecordingStored event recorded.' })
  @ApiResponse({
    status: 400,
    description: 'An unknown query parameter, a malformed segmentId or X-Content-SHA256, or bytes not matching it.',
  })
  @ApiResponse({ status: 401, description: 'No valid bearer token.' })
  @ApiResponse({ status: 403, description: 'The caller is neither a patient nor a clinician.' })
  @ApiResponse({ status: 404, description: 'No such call, or not one of yours (the same answer); or no such segment in it.' })
  @ApiResponse({ status: 409, description: 'The call has ended, or the media kind does not match the segment.' })
  @ApiResponse({ status: 413, description: 'Larger than MAX_UPLOAD_BYTES; nothing was stored.' })
  @ApiResponse({ status: 415, description: 'Content-Type is not audio/* or video/*.' })
  @ApiResponse({ status: 503, description: 'The recording could not be recorded; nothing was kept.' })
  async upload(
    @Param('callId', new ParseUUIDPipe({ exceptionFactory: () => new CallNotFound() })) callId: string,
    @Query() query: UploadRecordingQueryDto,
    @Headers('content-type') contentType: string | undefined,
    @Headers('x-content-sha256') declaredSha256: string | undefined,
    @Req() request: UploadRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<RecordingStoredResponseDto> {
    if (declaredSha256 !== undefined && !SHA256_HEX.test(declaredSha256)) {
      throw new InvalidRequest('validation-failed', 'X-Content-SHA256 must be the 64 hex digits of the SHA-256 of the body.');
    }
    return this.commands.execute(
      new StoreRecordingCommand(callId, user, contentType, query.segmentId, declaredSha256?.toLowerCase(), () => bodyOf(request)),
    );
  }
}

/**
 * The media parser hands over the request stream unread. It is piped through a PassThrough so that a
 * failed write (too large) destroys only the copy, and the reply can still be sent on the connection.
 */
const bodyOf = (request: UploadRequest): Readable => {
  const source = request.body instanceof Readable ? request.body : request.raw;
  const copy = new PassThrough();
  source.on('error', (error) => copy.destroy(error));
  source.pipe(copy);
  copy.on('close', () => {
    source.unpipe(copy);
    // Drain whatever the client still sends, so the connection can answer.
    source.resume();
  });
  return copy;
};
