import type { Role } from '@vgp/contracts';
import { type ConsultationState } from '../domain/consultation.decider.js';
import { type Caller, type ConsultationParties, viewingRole } from '../domain/consultation-access.policy.js';
import { ConsultationNotFound, NotAllowedToComplete } from '../domain/consultation.errors.js';

/**
 * The caller's role for this action. Someone who may not even see the consultation gets
 * ConsultationNotFound, exactly as for an id that does not exist; someone who may see it but not
 * do this (today only its patient, completing it) is refused outright.
 */
export const roleOrNotFound = (
  caller: Caller,
  state: ConsultationState,
  policy: (caller: Caller, consultation: ConsultationParties) => Role | null,
): Role => {
  if (state.status === 'none' || viewingRole(caller, state.consultation) === null) throw new ConsultationNotFound();
  const role = policy(caller, state.consultation);
  if (!role) throw new NotAllowedToComplete();
  return role;
};
