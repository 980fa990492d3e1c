import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** The body of an endpoint that takes no input: nothing, `null` or `{}`; any field is a 400 that names it. */
export class NoFieldsRequestDto extends createZodDto(z.strictObject({})) {}
