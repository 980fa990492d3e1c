import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_MODES, type MediaMode } from '@vgp/contracts';

/** Where the server filed the recording: every binding field comes from the call, none from the upload. */
export class RecordingStoredResponseDto {
  @ApiProperty({ format: 'uuid' }) recordingId!: string;
  @ApiProperty({ format: 'uuid' }) consultationId!: string;
  @ApiProperty({ format: 'uuid' }) callId!: string;
  @ApiProperty({ format: 'uuid' }) segmentId!: string;
  @ApiProperty({ description: "The segment's place in the call: 1, then one more per media switch." }) segmentSeq!: number;
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
  @ApiProperty() bytes!: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256!: string;
}
