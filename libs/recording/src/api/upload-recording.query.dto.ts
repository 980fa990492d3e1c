import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

/** The only thing an uploader may choose: which of the call's own segments (default: the current one). */
export class UploadRecordingQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "One of this call's segments; defaults to the segment open now." })
  @IsOptional()
  @IsUUID()
  segmentId?: string;
}
