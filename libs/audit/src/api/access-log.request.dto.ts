import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const ACCESS_LOG_PAGE = 500;

export class AccessLogRequestDto extends createZodDto(
  z.strictObject({
    cursor: z
      .string()
      .regex(/^\d{1,15}$/, 'must be the `next` of a previous page')
      .optional()
      .describe('The previous page’s `next`'),
  }),
) {}
