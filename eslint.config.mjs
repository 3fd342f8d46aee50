// Layer rules (see README "Layers"): main/ never imports electron or the renderer; main/contract
// imports nothing but zod and itself; renderer/ imports only @contract/* from main; electron/
// never imports the renderer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'test/bench/results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/ is plain Node: electron/ passes Electron APIs in through interfaces.' }],
          patterns: [
            { group: ['**/renderer/**', '**/renderer'], message: 'main/ never imports the renderer.' },
            { group: ['**/electron/**', '**/electron'], message: 'main/ never imports electron/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'main/contract has no Electron.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'main/contract has no Node: it is shared with the renderer.' })),
          ],
          patterns: [
            { group: ['../*', '../**'], message: 'main/contract imports only itself and zod.' },
            { regex: '^(?!zod$|\\./)', message: 'main/contract imports only itself and zod.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to main only through the contract api.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node modules.' })),
          ],
          patterns: [
            { group: ['**/main/**', '**/main', '**/electron/**', '**/electron'], message: 'Import from @contract/* only.' },
            { group: ['ssh2', 'etcd3', 'node-pty', 'ws', 'tsx'], message: 'Node-only library: it belongs in main/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**', '**/renderer'], message: 'electron/ never imports the renderer.' }] }],
    },
  },
);
