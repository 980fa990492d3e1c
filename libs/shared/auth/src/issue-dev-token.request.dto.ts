import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Role, ROLES } from '@vgp/contracts';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_DEV_TOKEN_TTL_SECONDS } from './token-issuer.js';

export class IssueDevTokenRequestDto {
  @ApiProperty({ example: 'patient-1', description: 'The user id the token speaks for.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  sub!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['patient'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(ROLES.length)
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiProperty({ example: 'clinic-1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  clinicId!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DEV_TOKEN_TTL_SECONDS, default: 3600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEV_TOKEN_TTL_SECONDS)
  ttlSeconds?: number;
}

export class DevTokenResponseDto {
  @ApiProperty()
  token!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
