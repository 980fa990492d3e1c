// Three tiers picked by file suffix (ADR 0003), as Vitest projects: `vitest run --project int`, or one file with
// plain `npx vitest run <file>`. SWC compiles TypeScript because Nest's DI needs decorator metadata
// (emitDecoratorMetadata), which Vite's own transformer does not emit.
import { readFileSync } from 'node:fs';
import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = import.meta.dirname;
const { compilerOptions } = JSON.parse(readFileSync(`${root}/tsconfig.base.json`, 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.entries(compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name}$`),
  replacement: `${root}/${target}`,
}));
const tier = (name: string, suffix: string, test: TestProjectInlineConfiguration['test'] = {}): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, include: [`{apps,libs,tools}/**/*.${suffix}.ts`], ...test },
});

export default defineConfig({
  // SWC must emit ES modules; left alone it would follow tsconfig's `module` and emit CommonJS.
  plugins: [swc.vite({ tsconfigFile: `${root}/tsconfig.base.json`, jsc: { target: 'es2022' }, module: { type: 'es6' } })],
  resolve: { alias },
  test: {
    globals: true,
    environment: 'node',
    setupFiles: ['reflect-metadata'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.cache/**'],
    reporters: ['default', `${root}/tools/vitest/skipped-reporter.ts`],
    projects: [
      tier('unit', 'spec'),
      tier('int', 'int-spec'),
      // One running platform at a time: e2e files start whole platforms on fixed resources.
      tier('e2e', 'e2e-spec', { fileParallelism: false }),
    ],
  },
});
