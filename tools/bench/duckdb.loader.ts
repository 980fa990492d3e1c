import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * DuckDB is the baseline of one benchmark only. Its npm package ships one binding package per platform, and
 * a lock file that names them all cannot be installed where only some are served, so the bench installs it
 * on first use into a git-ignored folder instead of the project's dependencies.
 */
const VERSION = '1.5.6-r.1';
const PREFIX = join(import.meta.dirname, '..', '..', '.cache', 'bench-deps');

type Prepared = {
  bindVarchar(index: number, value: string): void;
  bindInteger(index: number, value: number): void;
  runAndReadAll(): Promise<{ getRowObjectsJson(): Record<string, unknown>[] }>;
};
export type DuckDbConnection = { run(sql: string): Promise<unknown>; prepare(sql: string): Promise<Prepared> };
export type DuckDbInstance = { connect(): Promise<DuckDbConnection>; closeSync(): void };
type DuckDbModule = { DuckDBInstance: { create(path: string): Promise<DuckDbInstance> } };

export function loadDuckDb(): DuckDbModule {
  const entry = join(PREFIX, 'node_modules', '@duckdb', 'node-api');
  if (!existsSync(entry)) {
    execFileSync(
      'npm',
      ['install', '--prefix', PREFIX, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `@duckdb/node-api@${VERSION}`],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  // Resolved from the bench's own folder, not the project's dependencies.
  return createRequire(import.meta.url)(entry) as DuckDbModule;
}
