import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from '@vgp/contracts';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_DEV_TOKEN_TTL_SECONDS } from './token-issuer.js';

export class IssueDevTokenRequestDto extends createZodDto(
  z.strictObject({
    sub: z.string().min(1).max(200).meta({ example: 'patient-1', description: 'The user id the token speaks for.' }),
    roles: z
      .array(z.enum(ROLES))
      .min(1)
      .max(ROLES.length)
      .meta({ example: ['patient'] }),
    clinicId: z.string().min(1).max(200).meta({ example: 'clinic-1' }),
    ttlSeconds: z.int().min(1).max(MAX_DEV_TOKEN_TTL_SECONDS).optional().meta({ default: 3600 }),
  }),
) {}

export class DevTokenResponseDto {
  @ApiProperty()
  token!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
