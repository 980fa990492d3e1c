import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule, type AuthSettings } from '@vgp/auth';
import { useCorrelationScope } from '@vgp/messaging';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, APP_CONFIG_VALUES, APP_ENVIRONMENT } from './app-config.js';
import { CLOCK, systemClock } from './clock.js';
import { type AppConfigValues, parseAppConfig } from './app-config.schema.js';
import { EventMetadataFactory } from './event-metadata.factory.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health-registry.js';
import { installHttpHooks } from './http-hooks.js';
import { loggerParams } from './logging.options.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform-options.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { RequestContext, runWithCorrelationId } from './request-context.js';
import { RequestContextInterceptor } from './request-context.interceptor.js';
import { startTracing, type TracingLease } from './tracing.js';
import { EdgeValidationPipe } from './validation.pipe.js';

const TRACING = Symbol('TRACING');

export const authSettingsFrom = (config: AppConfigValues): AuthSettings => ({
  mode: config.AUTH_MODE,
  nodeEnv: config.NODE_ENV,
  secret: config.JWT_SECRET,
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
  jwksUrl: config.JWT_JWKS_URL,
  clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
});

/** Imported once per app: config, logging, auth, health, metrics, problem+json errors, event metadata. */
@Module({})
export class PlatformModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(TRACING) private readonly tracing: TracingLease,
  ) {}

  /** Validates the environment now: a bad variable fails boot with a message naming it. */
  static forRoot(options: PlatformOptions): DynamicModule {
    const env = { ...(options.env ?? process.env) };
    const values = parseAppConfig(env);
    return {
      module: PlatformModule,
      global: true,
      imports: [
        // Holds the already validated values; process.env is not consulted again.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...values })] }),
        LoggerModule.forRoot(loggerParams(values, options.serviceName, options.logDestination)),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        AuthModule.forRoot(authSettingsFrom(values)),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: options },
        { provide: APP_CONFIG_VALUES, useValue: values },
        { provide: APP_ENVIRONMENT, useValue: env },
        { provide: CLOCK, useValue: systemClock },
        // A provider, so the tracer exists before any module's init hook publishes or serves.
        {
          provide: TRACING,
          useFactory: () => startTracing({ serviceName: options.serviceName, softwareVersion: values.SOFTWARE_VERSION, env }),
        },
        AppConfig,
        MetricsService,
        HealthRegistry,
        RequestContext,
        EventMetadataFactory,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useClass: EdgeValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
      ],
      exports: [PLATFORM_OPTIONS, CLOCK, AppConfig, MetricsService, HealthRegistry, RequestContext, EventMetadataFactory, AuthModule],
    };
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // Standalone contexts (CLI, workers) have no HTTP server.
    if (adapter?.getType() === 'fastify') installHttpHooks(adapter.getInstance(), this.metrics);
    useCorrelationScope(runWithCorrelationId);
  }

  /** After every module's destroy hook, so the spans of the last outbox and inbox work are flushed. */
  async onApplicationShutdown(): Promise<void> {
    await this.tracing.release();
  }
}
