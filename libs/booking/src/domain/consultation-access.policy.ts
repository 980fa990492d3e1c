import type { Role } from '@vgp/contracts';

/** The verified caller, as the token says (structurally the same as @vgp/auth's AuthenticatedUser). */
export type Caller = { id: string; roles: readonly Role[]; clinicId: string };

export type ConsultationParties = { clinicId: string; patientId: string; clinicianId: string };

/**
 * Who may see a consultation, and under which role: its patient, its clinician, or an admin of
 * its clinic. Null means "not yours", which the edge answers exactly like "does not exist".
 */
export const viewingRole = (caller: Caller, consultation: ConsultationParties): Role | null => {
  if (caller.clinicId !== consultation.clinicId) return null;
  if (caller.roles.includes('clinician') && consultation.clinicianId === caller.id) return 'clinician';
  if (caller.roles.includes('patient') && consultation.patientId === caller.id) return 'patient';
  if (caller.roles.includes('clinic_admin')) return 'clinic_admin';
  return null;
};

/** Cancel and reschedule: the same people who may see it. */
export const managingRole = viewingRole;

/** Completing is the clinician's (or the clinic admin's) call, not the patient's. */
export const completingRole = (caller: Caller, consultation: ConsultationParties): Role | null => {
  const role = viewingRole(caller, consultation);
  return role === 'clinician' || role === 'clinic_admin' ? role : null;
};

/**
 * Who may book: an admin for anyone in their clinic, a clinician only themselves as the
 * clinician, a patient only themselves as the patient. Null is a 403.
 */
export const bookingRole = (caller: Caller, wanted: { patientId: string; clinicianId: string }): Role | null => {
  if (caller.roles.includes('clinician') && wanted.clinicianId === caller.id) return 'clinician';
  if (caller.roles.includes('patient') && wanted.patientId === caller.id) return 'patient';
  if (caller.roles.includes('clinic_admin')) return 'clinic_admin';
  return null;
};
