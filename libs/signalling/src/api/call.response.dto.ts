import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_MODES, type MediaMode } from '@vgp/contracts';

export class StartCallResponseDto {
  @ApiProperty({ format: 'uuid' }) callId!: string;
  @ApiProperty({ format: 'uuid', description: 'The segment open now; recordings are uploaded against it.' }) segmentId!: string;
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
}

export class CallSegmentDto {
  @ApiProperty({ format: 'uuid' }) segmentId!: string;
  @ApiProperty({ description: '1 for the first segment; each media switch opens the next.' }) seq!: number;
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
}

export class CallParticipantDto {
  @ApiProperty() userId!: string;
  @ApiProperty({ enum: ['patient', 'clinician'] }) role!: 'patient' | 'clinician';
  @ApiProperty({ description: 'Connected to the call right now.' }) online!: boolean;
}

export class CallResponseDto {
  @ApiProperty({ format: 'uuid' }) callId!: string;
  @ApiProperty({ format: 'uuid' }) consultationId!: string;
  @ApiProperty({ enum: ['active', 'ended'] }) status!: 'active' | 'ended';
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
  @ApiProperty({ format: 'uuid' }) currentSegmentId!: string;
  @ApiProperty({ type: [CallSegmentDto] }) segments!: CallSegmentDto[];
  @ApiProperty({ type: [CallParticipantDto] }) participants!: CallParticipantDto[];
}
