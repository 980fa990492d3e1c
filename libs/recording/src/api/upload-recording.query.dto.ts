import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** The only thing an uploader may choose: which of the call's own segments (default: the current one). */
export class UploadRecordingQueryDto extends createZodDto(
  z.strictObject({
    segmentId: z.uuid().optional().describe("One of this call's segments; defaults to the segment open now."),
  }),
) {}
