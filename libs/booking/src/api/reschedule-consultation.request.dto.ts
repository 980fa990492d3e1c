import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsString, Matches, Max, Min } from 'class-validator';
import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from '../domain/consultation.decider.js';
import { ISO_WITH_OFFSET, ISO_WITH_OFFSET_MESSAGE } from './user-id.js';

export class RescheduleConsultationRequestDto {
  @ApiProperty({ example: '2026-03-02T09:00:00Z', description: 'ISO 8601 with offset; must be in the future' })
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(ISO_WITH_OFFSET, { message: ISO_WITH_OFFSET_MESSAGE })
  startsAt!: string;

  @ApiProperty({ minimum: MIN_DURATION_MINUTES, maximum: MAX_DURATION_MINUTES, example: 30 })
  @IsInt()
  @Min(MIN_DURATION_MINUTES)
  @Max(MAX_DURATION_MINUTES)
  durationMinutes!: number;
}
