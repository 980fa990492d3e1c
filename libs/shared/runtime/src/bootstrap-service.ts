import { DynamicModule, Logger, Module } from '@nestjs/common';
import { ContextAdapters, createHttpApp, listen, PlatformModule } from '@vgp/platform';
import { adaptersFromEnv } from './adapters-from-env';

@Module({})
class ServiceModule {
  static forRoot(service: string, context: DynamicModule): DynamicModule {
    return { module: ServiceModule, imports: [PlatformModule.forRoot({ serviceName: `${service}-service` }), context] };
  }
}

/** Runs one context as its own process: adapters from the environment, the context's module, HTTP. */
export function bootstrapService(service: string, contextModule: (adapters: ContextAdapters) => DynamicModule): void {
  const run = async () => {
    const adapters = adaptersFromEnv(service);
    const app = await createHttpApp(ServiceModule.forRoot(service, contextModule(adapters)), { serviceName: `${service}-service` });
    const url = await listen(app);
    new Logger('bootstrap').log(`${service}-service listening on ${url}`);
    const stop = async () => {
      await app.close();
      await adapters.bus.close();
      await adapters.eventStore.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  };
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
