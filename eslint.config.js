// Lint for the whole workspace: ESLint's and typescript-eslint's recommended rules, which
// catch likely bugs without arguing about style. Type errors are tsc's and svelte-check's job.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals for plain .js/.mjs files (TypeScript files get theirs from @types/node).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController', 'Blob', 'Buffer', 'URL', 'URLSearchParams', 'TextDecoder', 'TextEncoder',
    'clearInterval', 'clearTimeout', 'console', 'fetch', 'performance', 'process', 'queueMicrotask',
    'setImmediate', 'setInterval', 'setTimeout', 'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '.tools/',
    '.data/',
    'web/build/',
    'web/.svelte-kit/',
    'artifacts/',
    'scratch/',
    'bench/results/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    rules: {
      // `_name` marks a parameter or binding kept on purpose (a callback's position, a destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Migrations are frozen, so they take `Kysely<any>` (as Kysely's docs do) rather than today's `Database` type.
    files: ['sql/src/migrate.ts', 'sql/src/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
