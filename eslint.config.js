import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

// The layering rules (docs/ARCHITECTURE.md): shared/ is pure, renderer/ and main/ never import
// each other, only main/shell/ runs inside Electron, and main/engine-core/ (the trainer that also
// runs in a page's Web Worker) imports no Node and nothing of main/ outside itself.
const nodeOnly = ['electron', 'react', 'react-dom', '@xyflow/*', '@tensorflow/*', 'zustand', 'ws'];
const nodeBuiltins = ['fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'http', 'net', 'crypto', 'node:*'];
// main/'s folders other than engine-core/, as engine-core's relative imports would name them.
const mainOutsideCore = ['engine', 'runs', 'data', 'common', 'api', 'server', 'cli', 'export', 'bench', 'shell'].flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../${f}`, `../../${f}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'native/build/', 'test-results/', 'playwright-report/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // Typed rules: a dropped promise hides a failed save or a lost training event, and a switch
  // over a union that misses a member is how a new layer type or event kind goes unhandled.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/main/**', '**/renderer/**'], message: 'shared/ is pure: it imports nothing from main/ or renderer/.' },
          { group: [...nodeOnly, ...nodeBuiltins], message: 'shared/ is pure: no Node, DOM, React, xyflow or tfjs.' },
        ],
      }],
    },
  },
  {
    // React's hook rules for the page, including the React Compiler's checks (purity, refs,
    // state set in effects). exhaustive-deps is an error: a warning nobody reads does not keep a
    // stale closure out.
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: { ...reactHooks.configs.flat.recommended.rules, 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/main/**'], message: 'renderer/ never imports main/: talk to it through the Api.' },
          { group: ['electron', '@tensorflow/*', ...nodeBuiltins], message: 'renderer/ runs in the page: no Node, no tfjs.' },
        ],
      }],
    },
  },
  {
    files: ['main/**'],
    ignores: ['main/shell/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/renderer/**', 'react', 'react-dom', '@xyflow/*', 'zustand'], message: 'main/ never imports renderer/.' },
          { group: ['electron', '**/shell/**'], message: 'Only main/shell/ runs inside Electron: the engine, server, Api and CLI run in plain Node too.' },
        ],
      }],
    },
  },
  {
    files: ['main/engine-core/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/renderer/**', 'react', 'react-dom', '@xyflow/*', 'zustand', 'electron', 'ws', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', ...nodeBuiltins], message: 'main/engine-core/ runs in the training process and in a page\'s Web Worker: shared/ and tfjs only, no Node.' },
          { group: mainOutsideCore, message: 'main/engine-core/ imports nothing of main/ outside itself: a host passes what differs (TrainerHost, RunStore).' },
        ],
      }],
    },
  },
  {
    // The page's training worker runs the host-neutral trainer, so it may use tfjs and
    // main/engine-core/ — and nothing else of main/.
    files: ['renderer/training/worker-main.ts', 'renderer/training/worker-store.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '(^|/)main/(?!engine-core/)', message: 'The training worker reaches main/ only through main/engine-core/ and the Api.' },
          { group: ['electron', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', ...nodeBuiltins], message: 'The training worker runs in the page: no Node.' },
        ],
      }],
    },
  },
  {
    files: ['main/shell/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/renderer/**', 'react', 'react-dom', '@xyflow/*', 'zustand'], message: 'main/ never imports renderer/.' }],
      }],
    },
  },
);
