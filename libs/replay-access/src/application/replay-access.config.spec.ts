import { ConfigValidationError, parseConfig } from '@vgp/platform';
import { REPLAY_ACCESS_CONFIG } from './replay-access.config.js';

const parse = (env: Record<string, string>) => parseConfig(REPLAY_ACCESS_CONFIG, env);
const refusal = (env: Record<string, string>): ConfigValidationError => {
  try {
    parse(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
};

describe('replay-access settings from the environment', () => {
  it('defaults to no kill switch and a probe limit of 20 per 60 seconds', () => {
    expect(parse({})).toEqual({ killSwitch: false, probeLimit: 20, probeWindowSeconds: 60 });
    expect(parse({ REPLAY_PROBE_LIMIT: ' ', REPLAY_PROBE_WINDOW_SECONDS: '' })).toMatchObject({ probeLimit: 20, probeWindowSeconds: 60 });
    expect(parse({ REPLAY_PROBE_LIMIT: ' 5 ', REPLAY_PROBE_WINDOW_SECONDS: '300' })).toMatchObject({
      probeLimit: 5,
      probeWindowSeconds: 300,
    });
  });

  it.each(['0', '-1', '2.5', 'ten', '1e3', '100001'])('refuses REPLAY_PROBE_LIMIT=%s, naming it and what it accepts', (raw) => {
    const error = refusal({ REPLAY_PROBE_LIMIT: raw });
    expect(error.variables).toEqual(['REPLAY_PROBE_LIMIT']);
    expect(error.message).toMatch(/REPLAY_PROBE_LIMIT: .*accepts a whole number from 1 to 100000/);
  });

  it.each(['0', '86401', '60s', '0x10'])('refuses REPLAY_PROBE_WINDOW_SECONDS=%s, naming it and what it accepts', (raw) => {
    const error = refusal({ REPLAY_PROBE_WINDOW_SECONDS: raw });
    expect(error.variables).toEqual(['REPLAY_PROBE_WINDOW_SECONDS']);
    expect(error.message).toMatch(/REPLAY_PROBE_WINDOW_SECONDS: .*accepts a whole number from 1 to 86400/);
  });

  it('reads the kill switch in any case, and refuses anything but on or off', () => {
    expect(parse({ REPLAY_KILL_SWITCH: 'ON' }).killSwitch).toBe(true);
    expect(parse({ REPLAY_KILL_SWITCH: 'off' }).killSwitch).toBe(false);
    expect(refusal({ REPLAY_KILL_SWITCH: 'maybe' }).message).toMatch(/REPLAY_KILL_SWITCH.*on \| off/);
  });
});
