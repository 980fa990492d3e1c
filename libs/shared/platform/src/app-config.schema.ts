import { z } from 'zod';
import { configFragment, ConfigValidationError, type Environment, integerVariable, parseConfig } from './config-fragment.js';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEV_JWT_SECRET } from '@vgp/auth';
import { packageVersion } from './software-version.js';

const PACKAGE_VERSION = packageVersion();

const MiB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What each variable accepts, quoted in boot errors so the operator knows what to fix. */
export const CONFIG_VARIABLES = {
  NODE_ENV: { default: 'development', accepts: 'development | test | production' },
  PORT: { default: '3000', accepts: 'an integer from 0 to 65535' },
  HOST: { default: '127.0.0.1', accepts: 'a host name or IP address to bind' },
  DATA_DIR: { default: './data', accepts: 'a directory path' },
  LOG_LEVEL: { default: 'info (debug in development)', accepts: LOG_LEVELS.join(' | ') },
  SOFTWARE_VERSION: { default: `${PACKAGE_VERSION} (package.json)`, accepts: 'up to 100 of [A-Za-z0-9.+_-]' },
  FEATURE_FLAGS: { default: 'media-switch', accepts: 'a comma-separated list of [a-z0-9._-] names (empty: no flags)' },
  AUTH_MODE: { default: 'dev outside production; required in production', accepts: 'dev | jwks (dev is refused when NODE_ENV=production)' },
  JWT_SECRET: { default: 'a dev-only secret outside production', accepts: 'a secret of at least 32 characters (AUTH_MODE=dev)' },
  JWT_ISSUER: { default: DEFAULT_JWT_ISSUER, accepts: 'the expected `iss` claim, non-empty' },
  JWT_AUDIENCE: { default: DEFAULT_JWT_AUDIENCE, accepts: 'the expected `aud` claim, non-empty' },
  JWT_JWKS_URL: {
    default: '(none)',
    accepts: 'an https URL of a JSON Web Key Set (required when AUTH_MODE=jwks; http allowed outside production)',
  },
  JWT_CLOCK_TOLERANCE_SECONDS: { default: '5', accepts: 'an integer from 0 to 60' },
  MAX_JSON_BODY_BYTES: { default: '65536', accepts: `an integer from 1024 to ${16 * MiB}` },
  MAX_UPLOAD_BYTES: { default: `${200 * MiB} (200 MiB)`, accepts: `an integer from 1 to ${5 * 1024 * MiB}` },
  REPLAY_GRANT_TTL_SECONDS: { default: '120', accepts: 'an integer from 1 to 300' },
  CALL_JOIN_GRACE_MINUTES: { default: '15', accepts: 'an integer from 0 to 120' },
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

const integer = integerVariable;

const text = (max = 500) => z.string().trim().min(1, 'must not be empty').max(max);

const featureFlags = z
  .string()
  .default('media-switch')
  .transform((raw) =>
    raw
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'has an invalid flag name')).max(100));

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: integer(0, 65535, 3000),
    HOST: text(255).default('127.0.0.1'),
    DATA_DIR: text(1000).default('./data'),
    LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
    SOFTWARE_VERSION: z
      .string()
      .regex(/^[A-Za-z0-9.+_-]{1,100}$/, 'has invalid characters')
      .default(PACKAGE_VERSION),
    FEATURE_FLAGS: featureFlags,
    AUTH_MODE: z.enum(['dev', 'jwks']).optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').max(1000).optional(),
    JWT_ISSUER: text(500).default(DEFAULT_JWT_ISSUER),
    JWT_AUDIENCE: text(500).default(DEFAULT_JWT_AUDIENCE),
    JWT_JWKS_URL: z.string().url('must be a URL').optional(),
    JWT_CLOCK_TOLERANCE_SECONDS: integer(0, 60, 5),
    MAX_JSON_BODY_BYTES: integer(1024, 16 * MiB, 65536),
    MAX_UPLOAD_BYTES: integer(1, 5 * 1024 * MiB, 200 * MiB),
    REPLAY_GRANT_TTL_SECONDS: integer(1, 300, 120),
    CALL_JOIN_GRACE_MINUTES: integer(0, 120, 15),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    const mode = env.AUTH_MODE ?? (production ? undefined : 'dev');
    if (!mode) ctx.addIssue({ code: 'custom', path: ['AUTH_MODE'], message: 'is required when NODE_ENV=production' });
    if (mode === 'dev' && production) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_MODE'], message: 'must not be dev when NODE_ENV=production' });
    }
    if (mode === 'jwks') {
      if (!env.JWT_JWKS_URL) {
        ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'is required when AUTH_MODE=jwks' });
      } else if (production && !env.JWT_JWKS_URL.startsWith('https://')) {
        ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'must be https when NODE_ENV=production' });
      } else if (!/^https?:\/\//.test(env.JWT_JWKS_URL)) {
        ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'must be an http(s) URL' });
      }
    }
  })
  .transform((env) => {
    const production = env.NODE_ENV === 'production';
    const AUTH_MODE = env.AUTH_MODE ?? 'dev';
    return {
      ...env,
      LOG_LEVEL: env.LOG_LEVEL ?? (env.NODE_ENV === 'development' ? 'debug' : 'info'),
      AUTH_MODE,
      // Outside production a well-known dev secret keeps embedded mode zero-config.
      JWT_SECRET: AUTH_MODE === 'dev' && !production ? (env.JWT_SECRET ?? DEV_JWT_SECRET) : env.JWT_SECRET,
    };
  });

export type AppConfigValues = Readonly<z.output<typeof schema>>;
export type AppConfigKey = keyof AppConfigValues;

/** The platform's own fragment: what every app reads. */
export const PLATFORM_CONFIG = configFragment<AppConfigValues>({
  name: 'platform',
  variables: { ...CONFIG_VARIABLES, JWT_SECRET: { ...CONFIG_VARIABLES.JWT_SECRET, secret: true } },
  schema,
  // An empty FEATURE_FLAGS means "no flags", not "unset".
  emptyIsValue: ['FEATURE_FLAGS'],
});

export { ConfigValidationError };

/** Parses the environment once at boot; throws ConfigValidationError naming each bad variable. */
export const parseAppConfig = (env: Environment = process.env): AppConfigValues => Object.freeze(parseConfig(PLATFORM_CONFIG, env));
