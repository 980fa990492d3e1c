import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { type Clock, CLOCK, EventMetadataFactory, NoFieldsRequestDto } from '@vgp/platform';
import { GetCallQuery } from '../application/get-call.query.js';
import { StartCallCommand } from '../application/start-call.command.js';
import { CallNotFound, UnknownConsultation } from '../domain/call.errors.js';
import { CallResponseDto, StartCallResponseDto } from './call.response.dto.js';

type StatusReply = { status(code: number): unknown };

@ApiTags('calls')
@ApiBearerAuth()
@Controller('v1')
export class CallsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly metadata: EventMetadataFactory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('consultations/:id/calls')
  @Roles('patient', 'clinician')
  @HttpCode(201)
  @ApiOperation({
    summary: "Start the consultation's call",
    description:
      "Only the consultation's booked patient or clinician, inside the booked slot widened by CALL_JOIN_GRACE_MINUTES. " +
      'If the consultation already has an active call, answers 200 with that call. Then join it over the WebSocket at /v1/signalling.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The consultation id.' })
  @ApiBody({ required: false, description: 'No fields; send nothing or {}.', schema: { type: 'object', additionalProperties: false } })
  @ApiResponse({ status: 201, type: StartCallResponseDto, description: 'A new call was started.' })
  @ApiResponse({ status: 200, type: StartCallResponseDto, description: 'The call already running for this consultation.' })
  @ApiResponse({ status: 400, description: 'The body carried fields.' })
  @ApiResponse({ status: 404, description: 'No such consultation, or not one of yours (the same answer).' })
  @ApiResponse({
    status: 409,
    description: 'Outside the booked time (the problem says when joining opens), or the consultation is cancelled or completed.',
  })
  @ApiResponse({ status: 503, description: 'Storage unavailable; nothing was started.' })
  @ApiResponse({ status: 401, description: 'No valid bearer token.' })
  @ApiResponse({ status: 403, description: 'The caller is neither a patient nor a clinician.' })
  async start(
    // A malformed id is answered like an unknown one.
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new UnknownConsultation() })) consultationId: string,
    @Body() _body: NoFieldsRequestDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<StartCallResponseDto> {
    const { created, call } = await this.commands.execute(
      new StartCallCommand(consultationId, { userId: user.id, clinicId: user.clinicId }, this.clock(), this.metadata.forUser(user)),
    );
    if (!created) reply.status(200);
    return { callId: call.callId, segmentId: call.currentSegmentId, mode: call.mode };
  }

  @Get('calls/:callId')
  @Roles('patient', 'clinician')
  @ApiOperation({ summary: 'A call you take part in: its status, media mode, segments and who is connected' })
  @ApiParam({ name: 'callId', format: 'uuid' })
  @ApiResponse({ status: 200, type: CallResponseDto })
  @ApiResponse({ status: 404, description: 'No such call, or not one of yours (the same answer).' })
  @ApiResponse({ status: 401, description: 'No valid bearer token.' })
  @ApiResponse({ status: 403, description: 'The caller is neither a patient nor a clinician.' })
  async get(
    @Param('callId', new ParseUUIDPipe({ exceptionFactory: () => new CallNotFound() })) callId: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<CallResponseDto> {
    const view = await this.queries.execute(new GetCallQuery(callId, { userId: user.id, clinicId: user.clinicId }));
    if (!view) throw new CallNotFound();
    return view;
  }
}
