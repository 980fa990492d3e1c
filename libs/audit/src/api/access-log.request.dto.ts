import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export const ACCESS_LOG_PAGE = 500;

export class AccessLogRequestDto {
  @ApiPropertyOptional({ description: 'The previous page’s `next`' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: '$property must be the `next` of a previous page' })
  cursor?: string;
}
