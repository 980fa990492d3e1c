import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { ISO_WITH_OFFSET, ISO_WITH_OFFSET_MESSAGE, USER_ID_MESSAGE, USER_ID_PATTERN } from './user-id.js';

export class ListConsultationsRequestDto {
  @ApiPropertyOptional({ description: 'Only this patient’s consultations (among those you may see)' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  patientId?: string;

  @ApiPropertyOptional({ description: 'Only this clinician’s consultations (among those you may see)' })
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  clinicianId?: string;

  @ApiPropertyOptional({ description: 'Starting at or after this instant (ISO 8601 with offset)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: ISO_WITH_OFFSET_MESSAGE })
  from?: string;

  @ApiPropertyOptional({ description: 'Starting before this instant (ISO 8601 with offset)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: ISO_WITH_OFFSET_MESSAGE })
  to?: string;
}
