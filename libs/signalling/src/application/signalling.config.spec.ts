import { ConfigValidationError, parseConfig } from '@vgp/platform';
import { SIGNALLING_CONFIG } from './signalling.config.js';

describe('signalling keep-alive settings', () => {
  it('ping every 20 s and drop a socket silent for 45 s by default, well inside the 60 s proxies allow', () =>
    expect(parseConfig(SIGNALLING_CONFIG, {})).toEqual({ pingIntervalSeconds: 20, idleTimeoutSeconds: 45 }));

  it('take both from the environment', () =>
    expect(parseConfig(SIGNALLING_CONFIG, { SIGNALLING_PING_INTERVAL_SECONDS: '2', SIGNALLING_IDLE_TIMEOUT_SECONDS: '6' })).toEqual({
      pingIntervalSeconds: 2,
      idleTimeoutSeconds: 6,
    }));

  it('refuse an idle timeout no longer than the ping interval, naming the variable', () => {
    const parse = () => parseConfig(SIGNALLING_CONFIG, { SIGNALLING_PING_INTERVAL_SECONDS: '30', SIGNALLING_IDLE_TIMEOUT_SECONDS: '30' });
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow(/SIGNALLING_IDLE_TIMEOUT_SECONDS: must be greater than SIGNALLING_PING_INTERVAL_SECONDS/);
  });
});
