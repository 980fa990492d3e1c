import { readdirSync } from 'node:fs';
import nx from '@nx/eslint-plugin';

// Tags: scope:<context>|shared|testing|app, type:app|lib. A context reaches another only
// through scope:shared (libs/shared/contracts and the port libs).
const sharedProjects = readdirSync(new URL('./libs/shared', import.meta.url)).map((name) => `shared-${name}`);
const contexts = ['booking', 'signalling', 'recording', 'replay-access', 'audit'];
const depConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] },
  ...contexts.map((c) => ({
    sourceTag: `scope:${c}`,
    onlyDependOnLibsWithTags: [`scope:${c}`, 'scope:shared', 'scope:testing'],
  })),
  { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['*'] },
];

// The domain is pure: no framework, no I/O, no clock, no randomness.
const ioModules = [
  '@nestjs/*',
  'node:*',
  'fs',
  'path',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'os',
  'stream',
  '@vgp/event-store',
  '@vgp/messaging',
  '@vgp/object-store',
  '@vgp/platform',
  '@vgp/auth',
  'kafkajs',
  'mongoose',
  '@aws-sdk/*',
  '@kurrent/*',
  'ws',
  'fastify',
  'pino',
  'jose',
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.cache/**', '.nx/**', 'tmp/**', 'data/**', 'coverage/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    // Type-aware rules: one TypeScript program for the whole tree (the per-lib project service ran out of memory).
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['libs/*/src/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ioModules, message: 'The domain is pure: no framework and no I/O.' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time comes in through the command.' },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'Time comes in through the command.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Ids come in through the command.' },
        { selector: "MemberExpression[object.name='crypto']", message: 'Ids come in through the command.' },
      ],
    },
  },
  {
    // Application code depends on ports (interfaces and DI tokens), never on infrastructure classes.
    files: ['libs/*/src/application/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infrastructure', '**/infrastructure/**', '**/api', '**/api/**'],
              message: 'Application code depends on ports, not on infrastructure or the API layer.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests of shared libs run the shared contract suites from libs/testing, which builds on those libs: a
    // cycle of test files only. Their project.json drop the edge (`!testing`), so the build graph stays acyclic.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          ignoredCircularDependencies: sharedProjects.map((project) => [project, 'testing']),
          depConstraints: depConstraints.map((c) =>
            c.sourceTag === 'scope:shared' ? { ...c, onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] } : c,
          ),
        },
      ],
    },
  },
  {
    // CLI tools and tests print on purpose.
    files: [
      'tools/**/*.ts',
      'tools/**/*.mjs',
      'apps/**/main.ts',
      'apps/platform/src/demo.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
    ],
    rules: { 'no-console': 'off' },
  },
];
