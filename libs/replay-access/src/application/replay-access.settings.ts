import { Inject, Injectable } from '@nestjs/common';
import { ConfigService, registerAs } from '@nestjs/config';
import { AppConfig } from '@vgp/platform';

/** The time source of the context; tests replace it to move past a grant's expiry. */
export const REPLAY_CLOCK = Symbol('REPLAY_CLOCK');
export type Clock = () => Date;

export const KILL_SWITCH_VARIABLE = 'REPLAY_KILL_SWITCH';

/** `REPLAY_KILL_SWITCH`: on | off (default off). Anything else fails boot, naming the variable. */
export const parseKillSwitch = (raw: string | undefined): boolean => {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'off') return false;
  if (value === 'on') return true;
  throw new Error(`${KILL_SWITCH_VARIABLE}: must be on or off (got ${JSON.stringify(String(raw).slice(0, 20))}); accepts on | off, default off`);
};

export const PROBE_LIMIT_VARIABLE = 'REPLAY_PROBE_LIMIT';
export const PROBE_WINDOW_VARIABLE = 'REPLAY_PROBE_WINDOW_SECONDS';
export const DEFAULT_PROBE_LIMIT = 20;
export const DEFAULT_PROBE_WINDOW_SECONDS = 60;

/** A whole number in [min, max], or the default when unset or blank. Anything else fails boot, naming the variable. */
export const parseBoundedInteger = (variable: string, raw: string | undefined, { min, max, fallback }: { min: number; max: number; fallback: number }): number => {
  const value = (raw ?? '').trim();
  if (value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new Error(`${variable}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(String(raw).slice(0, 20))}); default ${fallback}`);
  }
  return Number(value);
};

/** `REPLAY_PROBE_LIMIT`: unknown-token stream requests one client address may make per window (1..100000, default 20). */
export const parseProbeLimit = (raw: string | undefined): number =>
  parseBoundedInteger(PROBE_LIMIT_VARIABLE, raw, { min: 1, max: 100_000, fallback: DEFAULT_PROBE_LIMIT });

/** `REPLAY_PROBE_WINDOW_SECONDS`: the sliding window of that limit (1..86400, default 60). */
export const parseProbeWindowSeconds = (raw: string | undefined): number =>
  parseBoundedInteger(PROBE_WINDOW_VARIABLE, raw, { min: 1, max: 86_400, fallback: DEFAULT_PROBE_WINDOW_SECONDS });

/** Read once at boot into ConfigService under `replayAccess`; ConfigService.set can flip the kill switch at run time. */
export const replayAccessConfig = registerAs('replayAccess', () => ({
  killSwitch: parseKillSwitch(process.env[KILL_SWITCH_VARIABLE]),
  probeLimit: parseProbeLimit(process.env[PROBE_LIMIT_VARIABLE]),
  probeWindowSeconds: parseProbeWindowSeconds(process.env[PROBE_WINDOW_VARIABLE]),
}));

@Injectable()
export class ReplaySettings {
  constructor(
    private readonly config: ConfigService,
    private readonly appConfig: AppConfig,
    @Inject(REPLAY_CLOCK) private readonly clock: Clock,
  ) {}

  /** While on, every list, grant and stream is refused (and the refusal audited). Off unless set. */
  get killSwitch(): boolean {
    return this.config.get<boolean>('replayAccess.killSwitch') === true;
  }

  /** Probes (unknown stream tokens) one client address may send per window; read at boot. */
  get probeLimits(): { limit: number; windowMs: number } {
    return {
      limit: this.config.get<number>('replayAccess.probeLimit') ?? DEFAULT_PROBE_LIMIT,
      windowMs: (this.config.get<number>('replayAccess.probeWindowSeconds') ?? DEFAULT_PROBE_WINDOW_SECONDS) * 1000,
    };
  }

  get grantTtlSeconds(): number {
    return this.appConfig.get('REPLAY_GRANT_TTL_SECONDS');
  }

  now(): Date {
    return this.clock();
  }
}
