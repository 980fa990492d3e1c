import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ActorDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['patient', 'clinician', 'clinic_admin', 'compliance_officer', 'system'] }) role!: string;
  @ApiPropertyOptional({
    description: 'The clinic of the verified token the user acted under (ADR 0022); absent for the platform itself and for older events',
  })
  clinicId?: string;
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
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `after` for the next page; null on the last page' }) nextCursor!:
    number | null;
}

export class CheckpointSummaryDto {
  @ApiProperty({ description: 'Checkpoints signed by this service’s key whose signature and (seq, headHash) both hold' }) verified!: number;
  @ApiProperty({
    description:
      'Checkpoints validly signed by a key this service does not hold (an earlier ephemeral or rotated key); checked against the chain but not counted as verified',
  })
  untrusted!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'The highest seq vouched for by a verified checkpoint' }) latestSeq!:
    number | null;
  @ApiPropertyOptional({ description: 'The checkpoint that does not hold' }) failedSeq?: number;
}

export class ChainVerificationDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'Entries in the chain' }) entries!: number;
  @ApiProperty({ description: 'Hash of the last entry (64 zeros when empty)' }) headHash!: string;
  @ApiPropertyOptional({
    description:
      'The first entry that does not hold (or, after a rewrite or truncation caught by a checkpoint, the first that may be altered or missing)',
  })
  firstBrokenSeq?: number;
  @ApiPropertyOptional({
    enum: [
      'hash_mismatch',
      'seq_gap',
      'prev_hash_mismatch',
      'index_mismatch',
      'truncated',
      'checkpoint_mismatch',
      'checkpoint_signature_invalid',
    ],
  })
  problem?: string;
  @ApiProperty({ type: CheckpointSummaryDto }) checkpoints!: CheckpointSummaryDto;
}

export class AuditCheckpointDto {
  @ApiProperty({ description: 'Entries covered' }) seq!: number;
  @ApiProperty({ description: 'Hash of entry `seq`' }) headHash!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm!: string;
  @ApiProperty({ description: 'sha256 hex of the public key (SPKI DER)' }) keyId!: string;
  @ApiProperty({ description: 'The public key, base64 SPKI DER' }) publicKey!: string;
  @ApiProperty({ description: 'base64 Ed25519 signature over canonical JSON of {seq, headHash, at}' }) signature!: string;
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
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' })
  next!: string | null;
}

const EXPOSURE_CLASSES = ['shown_in_list', 'opened_no_patient_content', 'started_playback'];
const CLASSIFICATION = {
  enum: EXPOSURE_CLASSES,
  description:
    'shown_in_list: only listed; opened_no_patient_content: granted or streamed a recording stored with 0 bytes (it holds no patient content); started_playback: granted or streamed a recording that holds patient content',
};

export class IncidentWindowDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

export class ByteSpanDto {
  @ApiProperty({ description: 'First byte, inclusive' }) start!: number;
  @ApiProperty({ description: 'Last byte, inclusive' }) end!: number;
}

export class PlayedRecordingDto {
  @ApiProperty() recordingId!: string;
  @ApiProperty() totalBytes!: number;
  @ApiProperty({ description: 'False when the recording was stored with 0 bytes' }) patientContent!: boolean;
  @ApiProperty({ type: [ByteSpanDto], description: 'Ranges sent, overlapping and touching ones merged' }) ranges!: ByteSpanDto[];
  @ApiProperty() bytesPlayed!: number;
}

export class ReleaseDto {
  @ApiProperty() softwareVersion!: string;
  @ApiProperty({ type: [String] }) featureFlags!: string[];
}

export class ExposureEventsDto {
  @ApiProperty() listed!: number;
  @ApiProperty() granted!: number;
  @ApiProperty() streamed!: number;
}

export class ExposureDto {
  @ApiProperty() viewerId!: string;
  @ApiProperty({ type: [String], description: 'The roles the viewer acted under' }) viewerRoles!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'Whose recordings they were (null when nothing names the patient)' })
  patientId!: string | null;
  @ApiProperty({ nullable: true, type: String }) clinicId!: string | null;
  @ApiProperty(CLASSIFICATION) classification!: string;
  @ApiProperty({ type: [String] }) recordingIds!: string[];
  @ApiProperty({ type: [String] }) consultationIds!: string[];
  @ApiProperty({ format: 'date-time' }) firstAt!: string;
  @ApiProperty({ format: 'date-time' }) lastAt!: string;
  @ApiProperty({ type: ExposureEventsDto }) events!: ExposureEventsDto;
  @ApiProperty({ type: [PlayedRecordingDto] }) played!: PlayedRecordingDto[];
  @ApiProperty({ type: [ReleaseDto], description: 'The software versions and feature flags that served it' }) releases!: ReleaseDto[];
  @ApiProperty({
    type: [String],
    enum: [
      'unknown_recording',
      'unknown_consultation',
      'binding_disagrees_with_booking',
      'recorded_after_cancellation',
      'other_clinic',
      'not_a_participant',
      'no_active_share',
    ],
    description: 'Why booking facts do not justify it',
  })
  reasons!: string[];
  @ApiProperty({ type: [Number], description: 'The audit chain entries that prove it' }) auditSeqs!: number[];
}

export class ViewerOfPatientDto {
  @ApiProperty() viewerId!: string;
  @ApiProperty(CLASSIFICATION) classification!: string;
}

export class AffectedPatientDto {
  @ApiProperty() patientId!: string;
  @ApiProperty({ ...CLASSIFICATION, description: 'The most severe exposure of this patient' }) classification!: string;
  @ApiProperty({ description: 'Viewers who were wrongly shown or played this patient’s recordings' }) exposures!: number;
  @ApiProperty({ type: [ViewerOfPatientDto] }) viewers!: ViewerOfPatientDto[];
}

export class AffectedViewerDto {
  @ApiProperty() viewerId!: string;
  @ApiProperty({ ...CLASSIFICATION, description: 'The most severe exposure of this viewer' }) classification!: string;
  @ApiProperty({ description: 'Patients whose recordings they were wrongly given' }) patients!: number;
}

export class IncidentSummaryDto {
  @ApiProperty({ description: 'Viewers who were only shown recordings in a list' }) shownInList!: number;
  @ApiProperty({ description: 'Viewers who started playback of a recording with patient content' }) startedPlayback!: number;
  @ApiProperty({ description: 'Viewers whose worst exposure was opening a recording with no patient content' })
  openedNoPatientContent!: number;
  @ApiProperty() patientsAffected!: number;
}

export class IncidentReportDto {
  @ApiProperty({ type: IncidentWindowDto }) window!: IncidentWindowDto;
  @ApiProperty({ nullable: true, type: String }) softwareVersion!: string | null;
  @ApiProperty({ type: [ExposureDto], description: 'One per viewer and patient, most severe first' }) exposures!: ExposureDto[];
  @ApiProperty({ type: [AffectedPatientDto] }) affectedPatients!: AffectedPatientDto[];
  @ApiProperty({ type: [AffectedViewerDto] }) viewers!: AffectedViewerDto[];
  @ApiProperty({ type: IncidentSummaryDto }) summary!: IncidentSummaryDto;
}

export class FhirBundleLinkDto {
  @ApiProperty({ enum: ['self', 'next'] }) relation!: string;
  @ApiProperty() url!: string;
}

export class FhirBundleEntryDto {
  @ApiProperty({ example: 'urn:uuid:0b7c…' }) fullUrl!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'A FHIR R4 AuditEvent (IHE BALP): type rest or DCM 110106 Export, subtype read/search/create/delete, action, recorded, outcome 0 or 4, agent.who.identifier, source.observer, entity Patient and DocumentReference, extension audit-chain-entry (seq, hash, prevHash)',
  })
  resource!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { mode: 'match' } }) search!: Record<string, unknown>;
}

export class FhirBundleDto {
  @ApiProperty({ enum: ['Bundle'] }) resourceType!: string;
  @ApiProperty({ enum: ['searchset'] }) type!: string;
  @ApiProperty({ description: 'All matches, across pages' }) total!: number;
  @ApiProperty({ type: [FhirBundleLinkDto] }) link!: FhirBundleLinkDto[];
  @ApiProperty({ type: [FhirBundleEntryDto] }) entry!: FhirBundleEntryDto[];
}
