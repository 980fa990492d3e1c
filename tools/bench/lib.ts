import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';

/** One line of a result table: the same metric measured on the thing and on its baseline. */
export type Row = { metric: string; result: string; baseline: string; ratio: string };

export type Table = { title: string; resultLabel: string; baselineLabel: string; rows: Row[] };

export type BenchOutcome = { tables: Table[]; notes: string[]; skipped?: string };

/** What a benchmark tells the runner while it works, for the progress bar. */
export type Progress = {
  /** Starts a phase of `total` steps (a count of operations, or of seconds for timed phases). */
  phase(label: string, total: number): void;
  tick(steps?: number): void;
};

export type Benchmark = {
  name: string;
  title: string;
  /** One paragraph: what is measured, against what, and how. */
  measures: string;
  run(progress: Progress): Promise<BenchOutcome>;
};

/** Percentile by nearest rank of an unsorted sample (copied, not sorted in place). */
export const percentile = (sample: ArrayLike<number>, p: number): number => {
  if (sample.length === 0) return NaN;
  const sorted = Float64Array.from(sample).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
};

export const mean = (sample: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < sample.length; i++) sum += sample[i];
  return sample.length === 0 ? NaN : sum / sample.length;
};

/** Human numbers: thousands separated, at most 3 significant decimals for small values. */
export const num = (value: number, unit = ''): string => {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
};

/**
 * A row whose ratio is result ÷ baseline. `higherIsBetter` only shapes the wording, so a reader
 * sees at once whether 0.5× is good (latency) or bad (throughput).
 */
export const row = (metric: string, result: number, baseline: number, unit: string, higherIsBetter: boolean): Row => {
  const ratio = result / baseline;
  const verdict = !Number.isFinite(ratio)
    ? ''
    : higherIsBetter
      ? ratio >= 1
        ? ' (faster)'
        : ' (slower)'
      : ratio <= 1
        ? ' (faster)'
        : ' (slower)';
  return {
    metric: `${metric} (${higherIsBetter ? 'higher' : 'lower'} is better)`,
    result: num(result, unit),
    baseline: num(baseline, unit),
    ratio: Number.isFinite(ratio) ? `${ratio.toFixed(2)}×${verdict}` : 'n/a',
  };
};

/** A row with no baseline counterpart (set-up costs, counts). */
export const infoRow = (metric: string, result: string, baseline = '', ratio = ''): Row => ({ metric, result, baseline, ratio });

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const now = (): number => performance.now();

/** The filesystem that holds `dir`, from /proc/mounts: fsync cost depends on it. */
const filesystemOf = (dir: string): string => {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length >= 3 && dir.startsWith(fields[1]))
      .sort((a, b) => b[1].length - a[1].length);
    return mounts[0] ? `${mounts[0][2]} (${mounts[0][0]} on ${mounts[0][1]})` : 'unknown';
  } catch {
    return 'unknown';
  }
};

export type Machine = { lines: string[] };

export const describeMachine = (): Machine => {
  const cores = cpus();
  const [one, five] = loadavg();
  return {
    lines: [
      `CPU: ${cores[0]?.model.trim() ?? 'unknown'}, ${cores.length} cores (${arch()})`,
      `RAM: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      `Node: ${process.version}; kernel: ${type()} ${release()}`,
      `Temp files (SQLite, DuckDB input): ${tmpdir()} on ${filesystemOf(tmpdir())}`,
      `Load average when the run started: ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min); the machine is shared, so absolute numbers move between runs; the ratios are the point`,
    ],
  };
};

/** A deterministic pseudo-random generator (mulberry32), so synthetic data is the same every run. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
