import { Inject, Injectable } from '@nestjs/common';
import { AppConfigKey, AppConfigValues } from './app-config.schema';

export const APP_CONFIG_VALUES = Symbol('APP_CONFIG_VALUES');

/** The validated configuration, typed: `config.get('PORT')` is a number. */
@Injectable()
export class AppConfig {
  constructor(@Inject(APP_CONFIG_VALUES) readonly values: AppConfigValues) {}

  get<K extends AppConfigKey>(key: K): AppConfigValues[K] {
    return this.values[key];
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }
}
