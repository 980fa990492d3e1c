import { type Role } from '@vgp/contracts';

/** The caller as the verified token describes it; `id` is the token's `sub`. */
export type AuthenticatedUser = { id: string; roles: Role[]; clinicId: string };
