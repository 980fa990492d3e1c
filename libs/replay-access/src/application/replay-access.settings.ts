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

/** Read once at boot into ConfigService under `replayAccess`; ConfigService.set can flip it at run time. */
export const replayAccessConfig = registerAs('replayAccess', () => ({ killSwitch: parseKillSwitch(process.env[KILL_SWITCH_VARIABLE]) }));

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

  get grantTtlSeconds(): number {
    return this.appConfig.get('REPLAY_GRANT_TTL_SECONDS');
  }

  now(): Date {
    return this.clock();
  }
}
