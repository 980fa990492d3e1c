import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_SETTINGS, type AuthSettings, devTokensEnabled } from './auth-settings.js';
import { DevTokensController } from './dev-tokens.controller.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { RolesGuard } from './roles.guard.js';
import { TokenIssuer } from './token-issuer.js';
import { TokenVerifier } from './token-verifier.js';

/** Global bearer-token auth. PlatformModule imports it with settings from the validated config. */
@Module({})
export class AuthModule {
  static forRoot(settings: AuthSettings): DynamicModule {
    if (settings.mode === 'dev' && settings.nodeEnv === 'production') {
      throw new Error('AUTH_MODE=dev is refused when NODE_ENV=production; use AUTH_MODE=jwks');
    }
    return {
      module: AuthModule,
      global: true,
      // Decided at boot so that in production the route does not exist at all (404).
      controllers: devTokensEnabled(settings) ? [DevTokensController] : [],
      providers: [
        { provide: AUTH_SETTINGS, useValue: Object.freeze({ ...settings }) },
        TokenVerifier,
        TokenIssuer,
        JwtAuthGuard,
        RolesGuard,
        // Order matters: authentication before role checks.
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
      ],
      exports: [AUTH_SETTINGS, TokenVerifier, TokenIssuer, JwtAuthGuard, RolesGuard],
    };
  }
}
