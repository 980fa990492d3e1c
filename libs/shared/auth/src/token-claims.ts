import { ROLES } from '@vgp/contracts';
import { z } from 'zod';

const identifier = z
  .string()
  .max(200)
  .refine((s) => s.trim().length > 0, 'must be a non-empty string');

/** What a token must claim beyond the registered claims jose already checks. */
export const tokenClaimsSchema = z.object({
  sub: identifier,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  clinicId: identifier,
});

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;
