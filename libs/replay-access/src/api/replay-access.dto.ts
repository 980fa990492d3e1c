import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_MODES, type MediaMode } from '@vgp/contracts';
import { isoDateTimeWithOffset } from '@vgp/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { type AccessBasis, type SharePurpose } from '../domain/access-policy.js';

export const SHARE_PURPOSES: readonly SharePurpose[] = ['second_opinion', 'carer', 'legal', 'research', 'other'];

export class ReplayListItemDto {
  @ApiProperty({ format: 'uuid' }) recordingId!: string;
  @ApiProperty() consultationId!: string;
  @ApiProperty() callId!: string;
  @ApiProperty({ description: 'Position of this segment in its call; every audio/video switch starts a new one.', minimum: 1 })
  segmentSeq!: number;
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
  @ApiProperty({ example: 'video/webm' }) contentType!: string;
  @ApiProperty({ minimum: 0 }) bytes!: number;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ enum: ['participant', 'consent_share'], description: 'Why you may replay it.' }) basis!: AccessBasis;
}

export class ReplayListResponseDto {
  @ApiProperty({ type: [ReplayListItemDto] }) items!: ReplayListItemDto[];
}

export class ReplayGrantResponseDto {
  @ApiProperty({ format: 'uuid' }) grantId!: string;
  @ApiProperty({
    example: '/v1/replay-streams/3q2-7w…',
    description: 'Relative, short-lived stream URL; it is the credential, keep it private.',
  })
  url!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class CreateShareRequestDto extends createZodDto(
  z.strictObject({
    granteeId: z
      .string()
      .min(1)
      .max(200)
      .regex(/\S/, 'must not be blank')
      .meta({ description: 'The user id (token `sub`) of the person who may replay the recording.', example: 'carer-cleo' }),
    purpose: z.enum(SHARE_PURPOSES),
    until: isoDateTimeWithOffset().describe('When the share ends: in the future, at most one year from now.'),
  }),
) {}

export class ShareResponseDto {
  @ApiProperty({ format: 'uuid' }) shareId!: string;
  @ApiProperty({ format: 'uuid' }) recordingId!: string;
  @ApiProperty() granteeId!: string;
  @ApiProperty({ enum: SHARE_PURPOSES }) purpose!: SharePurpose;
  @ApiProperty({ format: 'date-time' }) until!: string;
}
