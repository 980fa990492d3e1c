import { parseKillSwitch, parseProbeLimit, parseProbeWindowSeconds } from './replay-access.settings';

describe('replay-access settings from the environment', () => {
  it('defaults the probe limit to 20 per 60 seconds', () => {
    expect([parseProbeLimit(undefined), parseProbeWindowSeconds(undefined)]).toEqual([20, 60]);
    expect([parseProbeLimit(' '), parseProbeWindowSeconds('')]).toEqual([20, 60]);
    expect([parseProbeLimit(' 5 '), parseProbeWindowSeconds('300')]).toEqual([5, 300]);
  });

  it.each(['0', '-1', '2.5', 'ten', '1e3', '100001'])('refuses REPLAY_PROBE_LIMIT=%s, naming it', (raw) => {
    expect(() => parseProbeLimit(raw)).toThrow(/^REPLAY_PROBE_LIMIT: must be a whole number from 1 to 100000/);
  });

  it.each(['0', '86401', '60s', '0x10'])('refuses REPLAY_PROBE_WINDOW_SECONDS=%s, naming it', (raw) => {
    expect(() => parseProbeWindowSeconds(raw)).toThrow(/^REPLAY_PROBE_WINDOW_SECONDS: must be a whole number from 1 to 86400/);
  });

  it('still reads the kill switch', () => expect(parseKillSwitch('ON')).toBe(true));
});
