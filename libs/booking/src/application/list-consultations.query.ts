import type { AuthenticatedUser } from '@vgp/auth';

export type ConsultationFilters = { patientId?: string; clinicianId?: string; from?: string; to?: string };

export class ListConsultationsQuery {
  constructor(
    readonly caller: AuthenticatedUser,
    readonly filters: ConsultationFilters,
  ) {}
}
