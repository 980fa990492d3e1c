import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const USER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const RESOURCE_ID = /^[A-Za-z0-9._:@-]{1,200}$/;
export const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const MAX_AUDIT_PAGE = 500;
export const DEFAULT_AUDIT_PAGE = 100;

export class SearchAuditEventsRequestDto {
  @ApiPropertyOptional({ description: 'Entries that touched this patient' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID, { message: '$property must be a user id' })
  patientId?: string;

  @ApiPropertyOptional({ description: 'Entries caused by this user (or service)' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID, { message: '$property must be a user id' })
  actorId?: string;

  @ApiPropertyOptional({ description: 'Entries that touched this recording' })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID, { message: '$property must be an id' })
  recordingId?: string;

  @ApiPropertyOptional({ description: 'Entries that touched this consultation' })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID, { message: '$property must be an id' })
  consultationId?: string;

  @ApiPropertyOptional({ description: 'The event type, e.g. ReplayStreamed' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z][A-Za-z0-9]*$/, { message: '$property must be an event type name' })
  action?: string;

  @ApiPropertyOptional({ description: 'Occurred at or after (ISO 8601 with offset)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: '$property must be an ISO 8601 date-time with an offset' })
  from?: string;

  @ApiPropertyOptional({ description: 'Occurred before (ISO 8601 with offset)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: '$property must be an ISO 8601 date-time with an offset' })
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: DEFAULT_AUDIT_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'The previous page’s nextCursor: entries after this seq' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}
