import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_MODES, type MediaMode } from '@vgp/contracts';
import { CANCEL_REASONS, type CancelReason } from '../domain/consultation.decider.js';
import { type ConsultationStatus } from '../application/consultation.queries.js';

export class ConsultationResponseDto {
  @ApiProperty({ format: 'uuid' }) consultationId!: string;
  @ApiProperty() clinicId!: string;
  @ApiProperty() patientId!: string;
  @ApiProperty() clinicianId!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty() durationMinutes!: number;
  @ApiProperty({ enum: MEDIA_MODES }) mode!: MediaMode;
  @ApiProperty({ enum: ['booked', 'cancelled', 'completed'] }) status!: ConsultationStatus;
  @ApiProperty({ enum: CANCEL_REASONS, nullable: true }) cancelReason!: CancelReason | null;
  @ApiProperty({ format: 'date-time' }) bookedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ConsultationListResponseDto {
  @ApiProperty({ type: [ConsultationResponseDto] }) items!: ConsultationResponseDto[];
}
