// Rebuilds one projection from a SQLite event store into a fresh generation of its MongoDB collections,
// then switches readers over and drops the old generation.
//   npm run read-models:rebuild -- --projection consultations-by-patient \
//     --mongo-url mongodb://127.0.0.1:27117/ --db booking --events data/booking.sqlite
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { SqliteEventStore } from '@vgp/event-store';
import { auditLogProjection } from '@vgp/audit';
import { consultationsProjection } from '@vgp/booking';
import { recordingCallBindingsProjection } from '@vgp/recording';
import { replayAccessProjection } from '@vgp/replay-access';
import { signallingCallsProjection, signallingConsultationsProjection } from '@vgp/signalling';
import { consultationsByPatientProjection, type ProjectionDefinition, projectionCollections, replayProjection } from '@vgp/read-models';
import { MongooseReadModelStore } from '@vgp/read-models/mongoose';

const PROJECTIONS: Record<string, ProjectionDefinition> = {
  [consultationsByPatientProjection.name]: consultationsByPatientProjection,
  [consultationsProjection.name]: consultationsProjection,
  [signallingConsultationsProjection.name]: signallingConsultationsProjection,
  [signallingCallsProjection.name]: signallingCallsProjection,
  [recordingCallBindingsProjection.name]: recordingCallBindingsProjection,
  [replayAccessProjection.name]: replayAccessProjection,
  [auditLogProjection.name]: auditLogProjection,
};

const USAGE = `usage: npm run read-models:rebuild -- --projection <${Object.keys(PROJECTIONS).join('|')}> --mongo-url <url> --db <name> --events <sqlite file> [--batch-size 500]`;

/** How many events the bar goes to: counted straight from the file, read-only, so the store is not touched. */
function countEvents(file: string, categories: readonly string[] | undefined): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const where = categories?.length ? `WHERE category IN (${categories.map(() => '?').join(', ')})` : '';
    const row = db.prepare(`SELECT count(*) AS n FROM events ${where}`).get(...(categories ?? [])) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      projection: { type: 'string' },
      'mongo-url': { type: 'string' },
      db: { type: 'string' },
      events: { type: 'string' },
      'batch-size': { type: 'string', default: '500' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const projection = values.projection ? PROJECTIONS[values.projection] : undefined;
  const [url, dbName, events] = [values['mongo-url'], values.db, values.events];
  const batchSize = Number(values['batch-size']);
  if (!projection || !url || !dbName || !events || !Number.isInteger(batchSize) || batchSize < 1) {
    console.error(values.projection && !projection ? `unknown projection ${values.projection}\n${USAGE}` : USAGE);
    return 2;
  }
  // Opening a missing file would create an empty store and "rebuild" the projection to nothing.
  if (!existsSync(events)) {
    console.error(`no event store at ${events}`);
    return 2;
  }

  const total = countEvents(events, projection.categories);
  const eventStore = new SqliteEventStore({ path: events });
  const readModels = await MongooseReadModelStore.connect({ url, dbName });
  const bar = new SingleBar(
    { format: `${projection.name} [{bar}] {percentage}% | {value}/{total} events | {duration}s`, hideCursor: true },
    Presets.shades_classic,
  );
  try {
    let applied = 0;
    bar.start(total, 0);
    const result = await readModels.rebuild(projection.name, projectionCollections(projection), async (target) => {
      ({ applied } = await replayProjection(projection, {
        eventStore,
        readModels: target,
        fromPosition: 0,
        batchSize,
        onProgress: (n) => bar.update(n),
      }));
      bar.setTotal(Math.max(total, applied));
      bar.update(applied);
    });
    bar.stop();
    const collections = projectionCollections(projection).join(', ');
    console.log(
      `${projection.name}: ${applied} events applied into generation ${result.generation} of ${collections} in ${dbName}; ` +
        (result.previousGeneration === null
          ? 'the first generation.'
          : `switched over; the previous generation '${result.previousGeneration}' is dropped.`),
    );
    return 0;
  } catch (error) {
    bar.stop();
    console.error(`rebuild of ${projection.name} failed; the previous generation still serves reads: ${(error as Error).message}`);
    return 1;
  } finally {
    await eventStore.close();
    await readModels.close();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
