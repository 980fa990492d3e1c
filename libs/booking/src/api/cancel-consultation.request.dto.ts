import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { CANCEL_REASONS, type CancelReason } from '../domain/consultation.decider.js';

export class CancelConsultationRequestDto {
  @ApiProperty({
    enum: CANCEL_REASONS,
    example: 'patient_request',
    description: 'A reason code; free text is not accepted (it could hold personal data).',
  })
  @IsIn(CANCEL_REASONS)
  reason!: CancelReason;
}
