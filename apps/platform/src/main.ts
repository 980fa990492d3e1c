import { startEmbeddedPlatform } from './embedded-platform.js';
import { DEMO } from './demo-clinic.seed.js';

async function main() {
  const platform = await startEmbeddedPlatform({ dataDir: process.env.DATA_DIR ?? './data', seed: process.env.SEED_DEMO !== 'false' });
  const { url } = platform;
  console.log(`
Virtual-GP consultation platform (embedded mode) is running at ${url}
  API docs      ${url}/docs
  health        ${url}/health/ready
  metrics       ${url}/metrics
Demo clinic '${DEMO.clinicId}': patients ${Object.values(DEMO.patients).join(', ')}; clinicians ${Object.values(DEMO.clinicians).join(', ')};
  admin ${DEMO.admin}; compliance officer ${DEMO.compliance}.
  Get a token:  curl -s ${url}/v1/dev/tokens -H 'content-type: application/json' -d '{"sub":"${DEMO.patients.amira}","roles":["patient"],"clinicId":"${DEMO.clinicId}"}'
  Then:         curl -s ${url}/v1/replays -H "authorization: Bearer <token>"
Walk the whole flow with: npm run demo
`);
  const stop = async () => {
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
