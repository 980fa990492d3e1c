import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { type ContextAdapters, createHttpApp, listen, PlatformModule } from '@vgp/platform';
import { adaptersFromEnv, readModelsFrom, type ServiceAdapterOptions } from './adapters-from-env.js';

@Module({})
class ServiceModule {
  static forRoot(service: string, context: DynamicModule): DynamicModule {
    return { module: ServiceModule, imports: [PlatformModule.forRoot({ serviceName: `${service}-service` }), context] };
  }
}

/** Runs one context as its own process: adapters from the environment, the context's module, HTTP. */
export function bootstrapService(
  service: string,
  contextModule: (adapters: ContextAdapters) => DynamicModule,
  options: ServiceAdapterOptions = {},
): void {
  const run = async () => {
    const adapters = adaptersFromEnv(service, process.env, options);
    await adapters.prepare();
    const readModels = await readModelsFrom(service, adapters.config);
    const app = await createHttpApp(ServiceModule.forRoot(service, contextModule({ ...adapters, readModels: readModels.store })), {
      serviceName: `${service}-service`,
    });
    const url = await listen(app);
    const logger = new Logger('bootstrap');
    for (const line of [...adapters.description, readModels.description]) logger.log(line);
    for (const warning of adapters.warnings) logger.warn(warning);
    logger.log(`${service}-service listening on ${url}`);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      try {
        await app.close();
        await adapters.close();
        await readModels.store.close();
      } finally {
        process.exit(0);
      }
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  };
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
