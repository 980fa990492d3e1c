import { Controller, Get, Headers, Param, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@vgp/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ReplayStream, StreamReplayCommand } from '../application/stream-replay.command.js';
import { NoStoreInterceptor } from '@vgp/platform';
import { ReplayStreamHeadersInterceptor } from './replay-headers.interceptor.js';

@ApiTags('replays')
@Controller('v1/replay-streams')
@UseInterceptors(NoStoreInterceptor, ReplayStreamHeadersInterceptor)
export class ReplayStreamsController {
  constructor(private readonly commands: CommandBus) {}

  // Public: the token in the path is the credential (one viewer, one recording, minutes long, stored hashed),
  // so media players can fetch it without a bearer header.
  @Get(':token')
  @Public()
  @ApiOperation({
    summary: 'Stream a granted recording',
    description:
      'Public: the token from a replay grant is the credential. Supports one Range (bytes=a-b, bytes=a-, bytes=-n). Every range sent is audited before the first byte.',
  })
  @ApiParam({ name: 'token', description: 'The token of a replay grant URL.' })
  @ApiHeader({ name: 'Range', required: false, description: 'One byte range.' })
  @ApiProduces('audio/*', 'video/*')
  @ApiResponse({ status: 200, description: 'The whole recording.' })
  @ApiResponse({ status: 206, description: 'The requested byte range, with Content-Range.' })
  @ApiResponse({ status: 404, description: 'Unknown, expired or no longer permitted (all look the same).' })
  @ApiResponse({
    status: 429,
    description: 'Too many unknown tokens from your address; wait for Retry-After seconds. Nothing was looked up.',
    headers: {
      'Retry-After': { description: 'Seconds until a request from this address is considered again.', schema: { type: 'integer' } },
    },
  })
  @ApiResponse({ status: 416, description: 'Not one range within the recording; Content-Range: bytes */size.' })
  @ApiResponse({ status: 503, description: 'Replays are switched off, or the view could not be recorded; nothing was sent.' })
  async stream(
    @Param('token') token: string,
    @Headers('range') range: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // request.ip is the socket's remote address; Fastify reads X-Forwarded-For only when trustProxy is on (it is off).
    const media: ReplayStream = await this.commands.execute(new StreamReplayCommand(token, range, request.ip));
    reply
      .status(media.partial ? 206 : 200)
      .header('Accept-Ranges', 'bytes')
      .header('Content-Type', media.contentType)
      .header('Content-Length', String(media.totalBytes === 0 ? 0 : media.end - media.start + 1));
    if (media.partial) reply.header('Content-Range', `bytes ${media.start}-${media.end}/${media.totalBytes}`);
    await reply.send(media.body);
  }
}
