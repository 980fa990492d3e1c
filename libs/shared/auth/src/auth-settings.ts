/** Injection token of the resolved auth settings (built from validated config by PlatformModule). */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

export type AuthMode = 'dev' | 'jwks';

export type AuthSettings = {
  /** `dev`: HS256 with a shared secret, tokens issued locally. `jwks`: RS256 keys from an identity provider. */
  mode: AuthMode;
  nodeEnv: 'development' | 'test' | 'production';
  /** HS256 secret, dev mode only. */
  secret?: string;
  issuer: string;
  audience: string;
  /** RS256 key set, jwks mode only. */
  jwksUrl?: string;
  clockToleranceSeconds: number;
};

/** Only for local runs and tests; PlatformModule refuses dev mode in production. */
export const DEV_JWT_SECRET = 'vgp-dev-only-secret-change-me-0123456789';
export const DEFAULT_JWT_ISSUER = 'vgp-dev';
export const DEFAULT_JWT_AUDIENCE = 'vgp-api';

export const devAuthSettings = (overrides: Partial<AuthSettings> = {}): AuthSettings => ({
  mode: 'dev',
  nodeEnv: 'test',
  secret: DEV_JWT_SECRET,
  issuer: DEFAULT_JWT_ISSUER,
  audience: DEFAULT_JWT_AUDIENCE,
  clockToleranceSeconds: 5,
  ...overrides,
});

/** The dev token endpoint exists only when both hold; in production it is never registered. */
export const devTokensEnabled = (settings: AuthSettings): boolean => settings.mode === 'dev' && settings.nodeEnv !== 'production';
