import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { FHIR_DATE_PARAM } from '../domain/fhir-audit-event.js';

export const MAX_FHIR_PAGE = 500;
export const DEFAULT_FHIR_PAGE = 100;

export class SearchFhirAuditEventsRequestDto {
  @ApiPropertyOptional({
    example: 'Patient/patient-amira',
    description: 'Events whose entity is this patient: `Patient/<id>` or the bare id',
  })
  @IsOptional()
  @IsString()
  @Matches(/^(Patient\/)?[A-Za-z0-9._:@-]{1,128}$/, { message: '$property must be Patient/<id> or a patient id' })
  patient?: string;

  @ApiPropertyOptional({
    example: 'patient-ben',
    description: 'Events whose requesting agent is this user: `<ResourceType>/<id>` or the bare id',
  })
  @IsOptional()
  @IsString()
  @Matches(/^([A-Z][A-Za-z]{1,40}\/)?[A-Za-z0-9._:@-]{1,128}$/, {
    message: '$property must be a user id, optionally as <ResourceType>/<id>',
  })
  agent?: string;

  @ApiPropertyOptional({
    example: 'DocumentReference/3f0c…',
    description: 'Events with this entity (a recording or a patient): `<ResourceType>/<id>` or the bare id',
  })
  @IsOptional()
  @IsString()
  @Matches(/^([A-Z][A-Za-z]{1,40}\/)?[A-Za-z0-9._:@-]{1,200}$/, { message: '$property must be an id, optionally as <ResourceType>/<id>' })
  entity?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['ge2026-03-01', 'le2026-03-02T12:00:00Z'],
    description: 'Repeatable. A prefix (eq, ge, gt, le, lt; eq when absent) and a day (UTC) or a date-time with offset',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @Matches(FHIR_DATE_PARAM, { each: true, message: '$property must be like ge2026-03-01 or le2026-03-01T12:00:00Z' })
  date?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FHIR_PAGE, default: DEFAULT_FHIR_PAGE, description: 'Resources per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_FHIR_PAGE)
  _count?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Skip this many matches (the `next` link carries it)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  _offset?: number;
}
