import { ConfigValidationError, parseAppConfig } from './app-config.schema.js';
import { PlatformModule } from './platform.module.js';

const failure = (env: Record<string, string>) => {
  try {
    parseAppConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return error as ConfigValidationError;
  }
  throw new Error('configuration was accepted');
};

describe('booting with a configuration from the environment', () => {
  it('runs embedded with nothing set', () => {
    const config = parseAppConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './data',
      AUTH_MODE: 'dev',
      JWT_ISSUER: 'vgp-dev',
      JWT_AUDIENCE: 'vgp-api',
      FEATURE_FLAGS: ['media-switch'],
      MAX_JSON_BODY_BYTES: 65536,
      MAX_UPLOAD_BYTES: 200 * 1024 * 1024,
      REPLAY_GRANT_TTL_SECONDS: 120,
      CALL_JOIN_GRACE_MINUTES: 15,
    });
    expect(config.SOFTWARE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(config.JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
  });

  it('reads numbers and flag lists', () => {
    const config = parseAppConfig({ PORT: '8080', FEATURE_FLAGS: ' media-switch, replay-v2 ,,', REPLAY_GRANT_TTL_SECONDS: '300' });
    expect(config.PORT).toBe(8080);
    expect(config.FEATURE_FLAGS).toEqual(['media-switch', 'replay-v2']);
    expect(parseAppConfig({ FEATURE_FLAGS: '' }).FEATURE_FLAGS).toEqual([]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /integer from 0 to 65535/],
    [{ PORT: '70000' }, 'PORT', /integer from 0 to 65535/],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV', /development \| test \| production/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /info/],
    [{ REPLAY_GRANT_TTL_SECONDS: '301' }, 'REPLAY_GRANT_TTL_SECONDS', /from 1 to 300/],
    [{ MAX_JSON_BODY_BYTES: '1.5' }, 'MAX_JSON_BODY_BYTES', /integer/],
    [{ FEATURE_FLAGS: 'media switch' }, 'FEATURE_FLAGS', /comma-separated/],
    [{ AUTH_MODE: 'magic' }, 'AUTH_MODE', /dev \| jwks/],
    [{ AUTH_MODE: 'jwks' }, 'JWT_JWKS_URL', /required when AUTH_MODE=jwks/],
    [{ NODE_ENV: 'production' }, 'AUTH_MODE', /required when NODE_ENV=production/],
    [{ NODE_ENV: 'production', AUTH_MODE: 'dev', JWT_SECRET: 'y'.repeat(40) }, 'AUTH_MODE', /must not be dev/],
    [{ NODE_ENV: 'production', AUTH_MODE: 'jwks', JWT_JWKS_URL: 'http://idp/jwks' }, 'JWT_JWKS_URL', /https/],
  ])('names the bad variable and what it accepts: %j', (env, variable, accepts) => {
    const error = failure(env);
    expect(error.variables).toContain(variable);
    expect(error.message).toContain(`${variable}:`);
    expect(error.message).toMatch(accepts);
  });

  it('never echoes a secret back', () => {
    const error = failure({ JWT_SECRET: 'short-secret' });
    expect(error.variables).toEqual(['JWT_SECRET']);
    expect(error.message).toMatch(/at least 32 characters/);
    expect(error.message).not.toContain('short-secret');
  });

  it('fails PlatformModule at boot with the variable named', () => {
    expect(() => PlatformModule.forRoot({ serviceName: 'booking', env: { CALL_JOIN_GRACE_MINUTES: '-1' } })).toThrow(
      /CALL_JOIN_GRACE_MINUTES: .*accepts an integer from 0 to 120/,
    );
  });

  it('accepts a production setup with an identity provider', () => {
    const config = parseAppConfig({ NODE_ENV: 'production', AUTH_MODE: 'jwks', JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json' });
    expect(config.AUTH_MODE).toBe('jwks');
    expect(config.JWT_SECRET).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
  });
});
