import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsString, Matches, Max, Min } from 'class-validator';
import { MEDIA_MODES, type MediaMode } from '@vgp/contracts';
import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from '../domain/consultation.decider.js';
import { ISO_WITH_OFFSET, ISO_WITH_OFFSET_MESSAGE, USER_ID_MESSAGE, USER_ID_PATTERN } from './user-id.js';

export class BookConsultationRequestDto {
  @ApiProperty({ example: 'patient-amira', pattern: USER_ID_PATTERN.source })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  patientId!: string;

  @ApiProperty({ example: 'dr-okafor', pattern: USER_ID_PATTERN.source })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  clinicianId!: string;

  @ApiProperty({ example: '2026-03-01T09:00:00+01:00', description: 'ISO 8601 with offset; must be in the future' })
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: ISO_WITH_OFFSET_MESSAGE })
  startsAt!: string;

  @ApiProperty({ minimum: MIN_DURATION_MINUTES, maximum: MAX_DURATION_MINUTES, example: 20 })
  @IsInt()
  @Min(MIN_DURATION_MINUTES)
  @Max(MAX_DURATION_MINUTES)
  durationMinutes!: number;

  @ApiProperty({ enum: MEDIA_MODES, example: 'video' })
  @IsIn(MEDIA_MODES)
  mode!: MediaMode;
}
