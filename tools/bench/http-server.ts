/**
 * The server side of the http benchmark, in its own process so it does not share an event loop with
 * the load generator. `platform`: createHttpApp with PlatformModule; `fastify`: a bare Fastify answering
 * the same JSON. Sends `{ url }` to the parent over IPC once it listens.
 */
import { Module } from '@nestjs/common';
import Fastify from 'fastify';
import { createHttpApp, listen, PlatformModule } from '@vgp/platform';

/** What Terminus answers on /health/live with no checks; the parent checks both servers agree. */
export const LIVE_BODY = { status: 'ok', info: {}, error: {}, details: {} };

@Module({ imports: [PlatformModule.forRoot({ serviceName: 'bench' })] })
class BenchPlatformModule {}

async function main() {
  const kind = process.argv[2];
  let url: string;
  if (kind === 'platform') {
    const app = await createHttpApp(BenchPlatformModule, { serviceName: 'bench' });
    url = await listen(app);
  } else if (kind === 'fastify') {
    const app = Fastify({ logger: false });
    app.get('/health/live', async () => LIVE_BODY);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  process.send?.({ url });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
