import { Inject, Injectable } from '@nestjs/common';
import { type AppConfigKey, type AppConfigValues } from './app-config.schema.js';
import { type ConfigFragment, type Environment, parseConfig } from './config-fragment.js';

export const APP_CONFIG_VALUES = Symbol('APP_CONFIG_VALUES');
/** The environment as it was at boot: fragments are parsed from it, never from a later process.env. */
export const APP_ENVIRONMENT = Symbol('APP_ENVIRONMENT');

/** The validated configuration, typed: `config.get('PORT')` is a number, `config.of(AUDIT_CONFIG)` a context's own. */
@Injectable()
export class AppConfig {
  private readonly fragments = new Map<ConfigFragment<unknown>, unknown>();

  constructor(
    @Inject(APP_CONFIG_VALUES) readonly values: AppConfigValues,
    @Inject(APP_ENVIRONMENT) private readonly env: Environment,
  ) {}

  get<K extends AppConfigKey>(key: K): AppConfigValues[K] {
    return this.values[key];
  }

  /** A context's fragment, parsed once from the boot environment; a bad variable throws ConfigValidationError. */
  of<Out>(fragment: ConfigFragment<Out>): Out {
    if (!this.fragments.has(fragment)) this.fragments.set(fragment, Object.freeze(parseConfig(fragment, this.env)));
    return this.fragments.get(fragment) as Out;
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }
}
