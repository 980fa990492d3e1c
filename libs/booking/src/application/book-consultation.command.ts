import type { AuthenticatedUser } from '@vgp/auth';
import type { MediaMode } from '@vgp/contracts';

export type BookingRequest = { patientId: string; clinicianId: string; startsAt: string; durationMinutes: number; mode: MediaMode };

export class BookConsultationCommand {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly request: BookingRequest,
    /** Makes a retry answer the first booking instead of booking again. */
    readonly idempotencyKey?: string,
  ) {}
}
