// Compiles the services (apps/*/src and the libs they import) to plain ES modules in dist/, which is what
// production runs: `node dist/apps/<app>/src/main.js`. SWC emits the decorator metadata Nest's DI needs and
// rewrites the @vgp/* path aliases to relative imports. Tests and test helpers are left out.
// Runs on Node's own type stripping: `node tools/build/compile.ts`.
import { transformFile, type Options } from '@swc/core';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'dist');
const SOURCES = ['apps', 'libs'];
const LEFT_OUT = [/\.(spec|int-spec|e2e-spec)\.ts$/, /^libs\/testing\//, /\/e2e\//, /\/testing\//, /^apps\/platform\/src\/demo\.ts$/];

const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const options = (filename: string): Options => ({
  filename,
  swcrc: false,
  sourceMaps: true,
  jsc: {
    target: 'es2022',
    baseUrl: ROOT,
    paths: compilerOptions.paths,
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'es6', resolveFully: true },
});

/** Compiles into `out` (default dist/), replacing what was there; answers the number of files. */
export async function compileServices(out = OUT): Promise<number> {
  const files = SOURCES.flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
    .filter((file) => file.endsWith('.ts') && !LEFT_OUT.some((pattern) => pattern.test(file)))
    .sort();
  rmSync(out, { recursive: true, force: true });
  await Promise.all(
    files.map(async (file) => {
      const target = join(out, file.replace(/\.ts$/, '.js'));
      const { code, map } = await transformFile(join(ROOT, file), options(join(ROOT, file)));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, `${code}\n//# sourceMappingURL=${relative(dirname(target), `${target}.map`)}\n`);
      if (map) writeFileSync(`${target}.map`, map);
    }),
  );
  return files.length;
}

if (import.meta.main) {
  const started = Date.now();
  const count = await compileServices();
  console.log(`compiled ${count} files into ${relative(ROOT, OUT)}/ in ${Date.now() - started} ms`);
}
