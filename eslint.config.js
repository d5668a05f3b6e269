// Lint, including the architecture's layer rules: shared ← core ← main; preload and renderer
// import shared only; core never touches Electron or the DOM; only core/training loads native code.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const layer = (message, patterns, paths = []) => ['error', { paths, patterns: patterns.map((p) => ({ ...p, message })) }];

const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'HTMLElement'].map((name) => ({
  name,
  message: 'electron/core is plain Node: no DOM.',
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'native/build/**', 'test-output/**', 'resources/contracts/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['electron/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': layer('electron/shared is the contract: it imports nothing but zod and its own files.', [
        { regex: '^(?!zod$)(?!\\./)' },
      ]),
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(
        'electron/core is plain Node hosted four ways: it must not import Electron, the UI, the Electron shell or the native addon.',
        [{ group: ['electron/*', 'react', 'react-dom', 'react/*', '**/main/**', '**/preload/**', '**/renderer/**', '**/native/**', '*.node'] }],
        [{ name: 'electron', message: 'electron/core must not import Electron: it also runs in plain Node (serve, cli, tests).' }],
      ),
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
    },
  },
  {
    // The one place allowed to load the native trainer.
    files: ['electron/core/training/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(
        'electron/core must not import Electron or the UI.',
        [{ group: ['electron/*', 'react', 'react-dom', '**/main/**', '**/preload/**', '**/renderer/**'] }],
        [{ name: 'electron', message: 'electron/core must not import Electron.' }],
      ),
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': layer('electron/main hosts core; it does not import the UI.', [{ group: ['**/renderer/**', 'react', 'react-dom'] }]),
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': layer('electron/preload imports only electron and electron/shared.', [
        { regex: '^(?!electron$)(?!\\.\\./shared/)(?!\\./)' },
      ]),
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': layer(
        'renderer talks to core only through the contract client: it imports electron/shared, never core, main, preload, Electron or Node.',
        [
          { group: ['**/electron/core/**', '**/electron/main/**', '**/electron/preload/**', 'electron/*', 'node:*'] },
          { group: ['better-sqlite3-multiple-ciphers', 'fs', 'path', 'child_process', 'os', 'crypto', 'node-llama-cpp'] },
        ],
        [{ name: 'electron', message: 'renderer must not import Electron: use the contract client.' }],
      ),
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
