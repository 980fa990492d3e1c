import { configFragment, integerVariable } from '@vgp/platform';
import { z } from 'zod';

export const CHECKPOINT_EVERY_VARIABLE = 'AUDIT_CHECKPOINT_EVERY';
export const DEFAULT_CHECKPOINT_EVERY = 100;
const MAX_CHECKPOINT_EVERY = 1_000_000;

export type AuditSettings = {
  /** Sign a checkpoint of the chain's head every this many entries. */
  checkpointEvery: number;
};

/** The audit's own variables, read with `AppConfig.of(AUDIT_CONFIG)`; a bad value fails boot naming it. */
export const AUDIT_CONFIG = configFragment<AuditSettings>({
  name: 'audit',
  variables: {
    [CHECKPOINT_EVERY_VARIABLE]: {
      default: String(DEFAULT_CHECKPOINT_EVERY),
      accepts: `an integer from 1 to ${MAX_CHECKPOINT_EVERY}, default ${DEFAULT_CHECKPOINT_EVERY}`,
    },
  },
  schema: z
    .object({ [CHECKPOINT_EVERY_VARIABLE]: integerVariable(1, MAX_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_EVERY) })
    .transform((env) => ({ checkpointEvery: env[CHECKPOINT_EVERY_VARIABLE] })),
});

export const WRITER_LEASE_TTL_VARIABLE = 'AUDIT_WRITER_LEASE_TTL_MS';
export const WRITER_LEASE_RENEW_VARIABLE = 'AUDIT_WRITER_LEASE_RENEW_MS';
const DEFAULT_LEASE_TTL_MS = 10_000;
const DEFAULT_LEASE_RENEW_MS = 3_000;

export type AuditWriterLeaseSettings = {
  /** The chain writer's lease lasts this long unless renewed: the longest a dead writer holds up the chain. */
  ttlMs: number;
  /** The writer renews, and a standby tries to take the lease, this often. */
  renewMs: number;
};

/** The chain writer's lease (ADR 0033), read with `AppConfig.of(AUDIT_WRITER_LEASE_CONFIG)`. */
export const AUDIT_WRITER_LEASE_CONFIG = configFragment<AuditWriterLeaseSettings>({
  name: 'audit-writer-lease',
  variables: {
    [WRITER_LEASE_TTL_VARIABLE]: {
      default: String(DEFAULT_LEASE_TTL_MS),
      accepts: `milliseconds from 1000 to 600000, at least twice ${WRITER_LEASE_RENEW_VARIABLE}, default ${DEFAULT_LEASE_TTL_MS}`,
    },
    [WRITER_LEASE_RENEW_VARIABLE]: {
      default: String(DEFAULT_LEASE_RENEW_MS),
      accepts: `milliseconds from 100 to 300000, at most half of ${WRITER_LEASE_TTL_VARIABLE}, default ${DEFAULT_LEASE_RENEW_MS}`,
    },
  },
  schema: z
    .object({
      [WRITER_LEASE_TTL_VARIABLE]: integerVariable(1_000, 600_000, DEFAULT_LEASE_TTL_MS),
      [WRITER_LEASE_RENEW_VARIABLE]: integerVariable(100, 300_000, DEFAULT_LEASE_RENEW_MS),
    })
    // The writer must get at least one more renewal in before its grant runs out.
    .refine((env) => env[WRITER_LEASE_RENEW_VARIABLE] * 2 <= env[WRITER_LEASE_TTL_VARIABLE], {
      path: [WRITER_LEASE_RENEW_VARIABLE],
      message: `must be at most half of ${WRITER_LEASE_TTL_VARIABLE}`,
    })
    .transform((env) => ({ ttlMs: env[WRITER_LEASE_TTL_VARIABLE], renewMs: env[WRITER_LEASE_RENEW_VARIABLE] })),
});
