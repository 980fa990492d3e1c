import { ConfigValidationError } from '@vgp/platform';

export const AUDIT_SETTINGS = Symbol('AUDIT_SETTINGS');
export const CHECKPOINT_EVERY_VARIABLE = 'AUDIT_CHECKPOINT_EVERY';
export const DEFAULT_CHECKPOINT_EVERY = 100;
const MAX_CHECKPOINT_EVERY = 1_000_000;

export type AuditSettings = {
  /** Sign a checkpoint of the chain's head every this many entries. */
  checkpointEvery: number;
};

/** Read once at module init; a malformed value fails boot naming the variable and what it accepts. */
export const auditSettingsFromEnv = (env: Record<string, string | undefined>): AuditSettings => {
  const raw = env[CHECKPOINT_EVERY_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return { checkpointEvery: DEFAULT_CHECKPOINT_EVERY };
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CHECKPOINT_EVERY) {
    throw new ConfigValidationError([
      {
        variable: CHECKPOINT_EVERY_VARIABLE,
        message: `${CHECKPOINT_EVERY_VARIABLE}: must be an integer (got ${JSON.stringify(raw.slice(0, 40))}); accepts an integer from 1 to ${MAX_CHECKPOINT_EVERY}, default ${DEFAULT_CHECKPOINT_EVERY}`,
      },
    ]);
  }
  return { checkpointEvery: value };
};
