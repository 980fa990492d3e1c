/**
 * Runs the benchmarks, each against its baseline in the same run, and rewrites docs/benchmarks.md.
 *   npm run bench                      every benchmark
 *   npm run bench -- http audit-query  only these; the other sections of the report are kept as they were
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { auditQuery } from './audit-query.bench.js';
import { bookingToReplayLatency } from './booking-to-replay.bench.js';
import { eventStoreAppend } from './event-store-append.bench.js';
import { eventStoreAppendPostgres } from './event-store-append-postgres.bench.js';
import { httpHealth } from './http.bench.js';
import { kafkaThroughput } from './kafka-throughput.bench.js';
import { type Benchmark, type BenchOutcome, describeMachine, type Progress, type Table } from './lib.js';

const BENCHMARKS: Benchmark[] = [
  eventStoreAppend,
  eventStoreAppendPostgres,
  httpHealth,
  auditQuery,
  bookingToReplayLatency,
  kafkaThroughput,
];
const REPORT = join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

type Section = { bench: Benchmark; outcome: BenchOutcome; seconds: number; error?: string };

const marker = (name: string, end = false) => `<!-- bench:${end ? '/' : ''}${name} -->`;

const renderTable = (table: Table): string[] => [
  `**${table.title}**`,
  '',
  `| metric | result: ${table.resultLabel} | baseline: ${table.baselineLabel} | ratio (result ÷ baseline) |`,
  '|---|---:|---:|---:|',
  ...table.rows.map((r) => `| ${r.metric} | ${r.result} | ${r.baseline} | ${r.ratio} |`),
  '',
];

const renderSection = ({ bench, outcome, seconds, error }: Section, date: string): string =>
  [
    marker(bench.name),
    `## ${bench.name}: ${bench.title}`,
    '',
    `_Measured ${date}, took ${seconds.toFixed(1)} s._`,
    '',
    bench.measures,
    '',
    ...(error ? [`**Failed:** ${error}`, ''] : []),
    ...(outcome.skipped
      ? [`| metric | result | baseline | ratio |`, '|---|---|---|---|', `| ${bench.name} | skipped: ${outcome.skipped} | | |`, '']
      : []),
    ...outcome.tables.flatMap(renderTable),
    ...outcome.notes.map((note) => `- ${note}`),
    ...(outcome.notes.length ? [''] : []),
    marker(bench.name, true),
  ].join('\n');

/** Sections of benchmarks not run this time, as the previous report had them. */
const previousSections = (): Map<string, string> => {
  const sections = new Map<string, string>();
  if (!existsSync(REPORT)) return sections;
  const text = readFileSync(REPORT, 'utf8');
  for (const bench of BENCHMARKS) {
    const start = text.indexOf(marker(bench.name));
    const end = text.indexOf(marker(bench.name, true));
    if (start !== -1 && end > start) sections.set(bench.name, text.slice(start, end + marker(bench.name, true).length));
  }
  return sections;
};

const renderReport = (
  sections: Map<string, string>,
  date: string,
  machineLines: string[],
  ranNames: string[],
  totalSeconds: number,
): string =>
  [
    '# Benchmarks',
    '',
    'Each benchmark runs against its baseline in the same run, on the same machine, one after the other (or alternating ' +
      'in slices), so the ratio is meaningful even when the absolute numbers move with the load of a shared machine.',
    '',
    `Last run: ${date} (${ranNames.join(', ')}; ${totalSeconds.toFixed(0)} s). Sections not run then keep the date they were measured.`,
    '',
    '## Machine',
    '',
    ...machineLines.map((line) => `- ${line}`),
    '',
    '## Reproduce',
    '',
    '```bash',
    'npm ci',
    'npm run bench                          # every benchmark (3 to 4 minutes on 2 cores, with Kafka and PostgreSQL up)',
    'npm run bench -- http audit-query      # only some: ' + BENCHMARKS.map((b) => b.name).join(', '),
    'tools/services/up kafka postgres       # first, for kafka-throughput and event-store-append-postgres (otherwise skipped)',
    '```',
    '',
    'The code is in `tools/bench/` (one `*.bench.ts` per benchmark, `run.ts` writes this file). Everything listens on ' +
      'loopback only and writes to a fresh temporary directory that is removed afterwards. Ratios are result ÷ baseline; ' +
      'each metric says whether higher or lower is better.',
    '',
    ...BENCHMARKS.flatMap((bench) => (sections.has(bench.name) ? [sections.get(bench.name) as string, ''] : [])),
  ].join('\n');

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = args.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const selected = args.length ? BENCHMARKS.filter((b) => args.includes(b.name)) : BENCHMARKS;
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = describeMachine();
  const sections = previousSections();
  const started = performance.now();

  const bars = new MultiBar(
    {
      format: '{bench} |{bar}| {value}/{total} {phase}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 10_000,
    },
    Presets.shades_classic,
  );
  for (const bench of selected) {
    const bar = bars.create(1, 0, { bench: bench.name.padEnd(26), phase: 'starting' });
    const progress: Progress = {
      phase: (label, total) => {
        bar.setTotal(Math.max(1, Math.round(total)));
        bar.update(0, { phase: label });
      },
      tick: (steps = 1) => bar.increment(steps),
    };
    const t0 = performance.now();
    let section: Section;
    try {
      const outcome = await bench.run(progress);
      section = { bench, outcome, seconds: (performance.now() - t0) / 1000 };
      bar.update(bar.getTotal(), { phase: outcome.skipped ? `skipped: ${outcome.skipped}` : `done in ${section.seconds.toFixed(1)} s` });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      section = { bench, outcome: { tables: [], notes: [] }, seconds: (performance.now() - t0) / 1000, error: message };
      bar.update(0, { phase: `FAILED: ${message.slice(0, 120)}` });
    }
    sections.set(bench.name, renderSection(section, date));
    // Written after each benchmark, so a later failure or Ctrl-C keeps what was measured.
    writeFileSync(
      REPORT,
      renderReport(
        sections,
        date,
        machine.lines,
        selected.map((b) => b.name),
        (performance.now() - started) / 1000,
      ),
    );
  }
  bars.stop();
  console.log(`\n${REPORT} rewritten (${((performance.now() - started) / 1000).toFixed(0)} s).`);
  for (const bench of selected) console.log(`\n${sections.get(bench.name)?.replace(/<!--[^>]*-->\n?/g, '') ?? ''}`);
  // Child processes and sockets are closed by each benchmark; exit anyway so a stray handle cannot hang the run.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
