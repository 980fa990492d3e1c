import { Injectable } from '@nestjs/common';
import { AppConfig, configFragment, integerVariable, switchVariable } from '@vgp/platform';
import { z } from 'zod';
import { type ProbeLimits } from '../domain/probe-limiter.js';

export const KILL_SWITCH_VARIABLE = 'REPLAY_KILL_SWITCH';
export const PROBE_LIMIT_VARIABLE = 'REPLAY_PROBE_LIMIT';
export const PROBE_WINDOW_VARIABLE = 'REPLAY_PROBE_WINDOW_SECONDS';
export const DEFAULT_PROBE_LIMIT = 20;
export const DEFAULT_PROBE_WINDOW_SECONDS = 60;

export type ReplayAccessConfig = {
  /** While on, every list, grant and stream is refused (and the refusal audited). */
  killSwitch: boolean;
  /** Unknown-token stream requests one client address may make per window. */
  probeLimit: number;
  probeWindowSeconds: number;
};

/** Replay-access's own variables, read with `AppConfig.of`; a bad value fails boot naming it and what it accepts. */
export const REPLAY_ACCESS_CONFIG = configFragment<ReplayAccessConfig>({
  name: 'replay-access',
  variables: {
    [KILL_SWITCH_VARIABLE]: { default: 'off', accepts: 'on | off' },
    [PROBE_LIMIT_VARIABLE]: {
      default: String(DEFAULT_PROBE_LIMIT),
      accepts: `a whole number from 1 to 100000, default ${DEFAULT_PROBE_LIMIT}`,
    },
    [PROBE_WINDOW_VARIABLE]: {
      default: String(DEFAULT_PROBE_WINDOW_SECONDS),
      accepts: `a whole number from 1 to 86400, default ${DEFAULT_PROBE_WINDOW_SECONDS}`,
    },
  },
  schema: z
    .object({
      [KILL_SWITCH_VARIABLE]: switchVariable('off'),
      [PROBE_LIMIT_VARIABLE]: integerVariable(1, 100_000, DEFAULT_PROBE_LIMIT),
      [PROBE_WINDOW_VARIABLE]: integerVariable(1, 86_400, DEFAULT_PROBE_WINDOW_SECONDS),
    })
    .transform((env) => ({
      killSwitch: env[KILL_SWITCH_VARIABLE],
      probeLimit: env[PROBE_LIMIT_VARIABLE],
      probeWindowSeconds: env[PROBE_WINDOW_VARIABLE],
    })),
});

/** The settings handlers read, parsed once from the boot environment (a bad variable fails boot here). */
@Injectable()
export class ReplaySettings {
  readonly killSwitch: boolean;
  readonly probeLimits: ProbeLimits;
  readonly grantTtlSeconds: number;

  constructor(config: AppConfig) {
    const own = config.of(REPLAY_ACCESS_CONFIG);
    this.killSwitch = own.killSwitch;
    this.probeLimits = { limit: own.probeLimit, windowMs: own.probeWindowSeconds * 1000 };
    this.grantTtlSeconds = config.get('REPLAY_GRANT_TTL_SECONDS');
  }
}
