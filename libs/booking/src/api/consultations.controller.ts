import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { InvalidRequest } from '@vgp/domain';
import { BookConsultationCommand } from '../application/book-consultation.command.js';
import { CancelConsultationCommand } from '../application/cancel-consultation.command.js';
import { CompleteConsultationCommand } from '../application/complete-consultation.command.js';
import { type WriteResult } from '../application/consultation-command.runner.js';
import { type ConsultationView } from '../application/consultation.queries.js';
import { GetConsultationQuery } from '../application/get-consultation.query.js';
import { ListConsultationsQuery } from '../application/list-consultations.query.js';
import { RescheduleConsultationCommand } from '../application/reschedule-consultation.command.js';
import { ConsultationNotFound } from '../domain/consultation.errors.js';
import { BookConsultationRequestDto } from './book-consultation.request.dto.js';
import { CancelConsultationRequestDto } from './cancel-consultation.request.dto.js';
import { ConsultationListResponseDto, ConsultationResponseDto } from './consultation.response.dto.js';
import { ListConsultationsRequestDto } from './list-consultations.request.dto.js';
import { InvalidSubject } from './invalid-subject.error.js';
import { RescheduleConsultationRequestDto } from './reschedule-consultation.request.dto.js';
import { USER_ID_PATTERN } from './user-id.js';

type Reply = { header(name: string, value: string): unknown };

// A malformed id answers exactly like an unknown one.
const ConsultationId = () => new ParseUUIDPipe({ exceptionFactory: () => new ConsultationNotFound() });

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

const NOT_FOUND = { status: 404, description: 'No such consultation, or not one you may see (the same answer for both).' };
const UNAUTHORIZED = { status: 401, description: 'Missing, invalid or expired bearer token.' };
const INVALID = { status: 400, description: 'A field is missing, malformed or unknown; `errors` names each one.' };
const UNAVAILABLE = { status: 503, description: 'The booking store cannot take writes; nothing was changed.' };

@ApiTags('consultations')
@ApiBearerAuth()
@Controller('v1/consultations')
export class ConsultationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('patient', 'clinician', 'clinic_admin')
  @ApiOperation({
    summary: 'Book a consultation',
    description:
      'The clinic is the caller’s (from the token). A clinic admin books anyone in their clinic; a clinician only themselves as the clinician; a patient only themselves as the patient.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Up to 200 printable characters. The same key with the same body answers the first booking again.',
  })
  @ApiResponse({
    status: 201,
    description: 'Booked (or the same booking, for a repeated Idempotency-Key). `Location` names it.',
    type: ConsultationResponseDto,
  })
  @ApiResponse(INVALID)
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: 403, description: 'The caller may not book for this patient or clinician.' })
  @ApiResponse({ status: 409, description: 'The clinician or the patient already has a consultation at that time.' })
  @ApiResponse({ status: 422, description: 'Start in the past, patient = clinician, or an Idempotency-Key reused with another body.' })
  @ApiResponse(UNAVAILABLE)
  async book(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: BookConsultationRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: Reply,
  ): Promise<ConsultationView> {
    assertUserId(user);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new InvalidRequest('invalid-idempotency-key', 'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces.', {
        title: 'Invalid Idempotency-Key',
      });
    }
    const request = { ...body, startsAt: new Date(body.startsAt).toISOString() };
    const { view, replayed } = await this.commands.execute<BookConsultationCommand, WriteResult>(
      new BookConsultationCommand(user, request, idempotencyKey),
    );
    reply.header('Location', `/v1/consultations/${view.consultationId}`);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return view;
  }

  @Get()
  @Roles('patient', 'clinician', 'clinic_admin')
  @ApiOperation({
    summary: 'List the consultations you may see',
    description:
      'Patients and clinicians see their own; clinic admins their clinic’s. Filters only narrow that set: naming someone else yields an empty list.',
  })
  @ApiResponse({ status: 200, description: 'Ordered by start.', type: ConsultationListResponseDto })
  @ApiResponse(INVALID)
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: 403, description: 'Roles without consultations of their own (compliance officers use the audit API).' })
  async list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListConsultationsRequestDto): Promise<{ items: ConsultationView[] }> {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) {
      throw new InvalidRequest('validation-failed', '`from` must not be after `to`.');
    }
    const items = await this.queries.execute<ListConsultationsQuery, ConsultationView[]>(new ListConsultationsQuery(user, query));
    return { items };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One consultation', description: 'For its patient, its clinician, or an admin of its clinic.' })
  @ApiResponse({ status: 200, type: ConsultationResponseDto, description: 'The consultation.' })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', ConsultationId()) id: string): Promise<ConsultationView> {
    return this.queries.execute<GetConsultationQuery, ConsultationView>(new GetConsultationQuery(user, id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a consultation', description: 'Its patient, its clinician, or an admin of its clinic.' })
  @ApiResponse({ status: 200, type: ConsultationResponseDto, description: 'Cancelled.' })
  @ApiResponse(INVALID)
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  @ApiResponse({ status: 409, description: 'Already cancelled or completed.' })
  @ApiResponse(UNAVAILABLE)
  async cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ConsultationId()) id: string,
    @Body() body: CancelConsultationRequestDto,
  ): Promise<ConsultationView> {
    assertUserId(user);
    const { view } = await this.commands.execute<CancelConsultationCommand, WriteResult>(
      new CancelConsultationCommand(user, id, body.reason),
    );
    return view;
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move a consultation',
    description: 'Its patient, its clinician, or an admin of its clinic; the new time is checked for clashes.',
  })
  @ApiResponse({ status: 200, type: ConsultationResponseDto, description: 'Rescheduled.' })
  @ApiResponse(INVALID)
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  @ApiResponse({ status: 409, description: 'Cancelled or completed, or the clinician or patient is busy at the new time.' })
  @ApiResponse({ status: 422, description: 'The new start is in the past.' })
  @ApiResponse(UNAVAILABLE)
  async reschedule(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ConsultationId()) id: string,
    @Body() body: RescheduleConsultationRequestDto,
  ): Promise<ConsultationView> {
    assertUserId(user);
    const startsAt = new Date(body.startsAt).toISOString();
    const { view } = await this.commands.execute<RescheduleConsultationCommand, WriteResult>(
      new RescheduleConsultationCommand(user, id, startsAt, body.durationMinutes),
    );
    return view;
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a consultation as held', description: 'Its clinician or an admin of its clinic.' })
  @ApiResponse({ status: 200, type: ConsultationResponseDto, description: 'Completed.' })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: 403, description: 'The patient of the consultation may not complete it.' })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({ status: 409, description: 'Already cancelled or completed.' })
  @ApiResponse(UNAVAILABLE)
  async complete(@CurrentUser() user: AuthenticatedUser, @Param('id', ConsultationId()) id: string): Promise<ConsultationView> {
    assertUserId(user);
    const { view } = await this.commands.execute<CompleteConsultationCommand, WriteResult>(new CompleteConsultationCommand(user, id));
    return view;
  }
}

/** The token subject is recorded as the actor of what it changes: it must be a well-formed user id. */
const assertUserId = (user: AuthenticatedUser): void => {
  if (!USER_ID_PATTERN.test(user.id)) throw new InvalidSubject();
};
