import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ActorDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['patient', 'clinician', 'clinic_admin', 'compliance_officer', 'system'] }) role!: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Position in the hash chain, from 1' }) seq!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ description: 'The event type' }) action!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty() softwareVersion!: string;
  @ApiProperty({ type: [String] }) featureFlags!: string[];
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true, type: String }) causationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) clinicId!: string | null;
  @ApiProperty({ type: [String] }) patientIds!: string[];
  @ApiProperty({ type: [String] }) recordingIds!: string[];
  @ApiProperty({ type: [String] }) consultationIds!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event data as recorded (identifiers only)' }) data!: unknown;
  @ApiProperty({ description: 'sha256 of {seq, prevHash, source} in canonical JSON' }) hash!: string;
  @ApiProperty() prevHash!: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `after` for the next page; null on the last page' }) nextCursor!: number | null;
}

export class ChainVerificationDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'Entries in the chain' }) entries!: number;
  @ApiProperty({ description: 'Hash of the last entry (64 zeros when empty)' }) headHash!: string;
  @ApiPropertyOptional({ description: 'The first entry that does not hold' }) firstBrokenSeq?: number;
  @ApiPropertyOptional({ enum: ['hash_mismatch', 'seq_gap', 'prev_hash_mismatch', 'index_mismatch'] }) problem?: string;
}

export class ByteRangeDto {
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
  @ApiProperty() total!: number;
}

export class AccessLogItemDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ example: 'ReplayStreamed' }) action!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty({ description: 'You did this yourself' }) self!: boolean;
  @ApiProperty({ type: [String], description: 'Your recordings only' }) recordingIds!: string[];
  @ApiProperty({ type: [String], description: 'Your consultations only' }) consultationIds!: string[];
  @ApiProperty({ type: ByteRangeDto, nullable: true, description: 'The bytes played, for ReplayStreamed' }) bytes!: ByteRangeDto | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why access was refused, for ReplayDenied' }) reason!: string | null;
  @ApiProperty() softwareVersion!: string;
  @ApiProperty({ type: [String] }) featureFlags!: string[];
}

export class AccessLogDto {
  @ApiProperty({ type: [AccessLogItemDto] }) items!: AccessLogItemDto[];
}
