import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { ISO_WITH_OFFSET } from './search-audit-events.request.dto.js';

export const MAX_INCIDENT_WINDOW_DAYS = 90;

export class ReconstructIncidentRequestDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-03-01T08:00:00Z',
    description: 'Start of the window, inclusive (ISO 8601 with offset)',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: '$property must be an ISO 8601 date-time with an offset' })
  from!: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-03-01T10:00:00Z',
    description: `End of the window, exclusive; after \`from\` and at most ${MAX_INCIDENT_WINDOW_DAYS} days later`,
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: '$property must be an ISO 8601 date-time with an offset' })
  to!: string;

  @ApiPropertyOptional({ example: '2.4.0', description: 'Only accesses served by this software version (every version when absent)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9.+_-]{1,100}$/, { message: '$property must be a software version such as 2.4.0' })
  softwareVersion?: string;
}
