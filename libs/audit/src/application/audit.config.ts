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
