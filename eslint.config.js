import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layer arrows (README, Architecture): http and realtime call services; services call store
// and adapters; nothing calls upward. The composition root (app.ts and the modules it composes)
// wires the layers and nobody below it imports it.
const compositionRoot = ['./src/app.ts', './src/run.ts', './src/main.ts', './src/migrate.ts', './src/modules'];
const layerZones = [
  { target: './src/store', from: ['./src/services', './src/http', './src/realtime', './src/views', './src/compat', ...compositionRoot] },
  { target: './src/adapters', from: ['./src/services', './src/http', './src/realtime', './src/views', './src/store', './src/compat', ...compositionRoot] },
  { target: './src/services', from: ['./src/http', './src/realtime', './src/views', './src/compat', ...compositionRoot] },
  { target: './src/views', from: ['./src/http', './src/realtime', './src/compat', ...compositionRoot] },
  // The dialects stand beside http and realtime, on the same services; the canonical API never needs them.
  { target: ['./src/http', './src/realtime'], from: ['./src/compat', ...compositionRoot] },
  { target: './src/compat', from: compositionRoot },
].map((zone) => ({ ...zone, message: 'imports must point down the layers (README, Architecture)' }));
// Services hand out their own domain types, so no store record (with whatever columns it selects)
// reaches a response by way of an import.
const domainTypeZones = [
  {
    target: ['./src/http', './src/views', './src/realtime', './src/compat'],
    from: './src/store',
    message: 'http, realtime, views and the dialects use the domain types the services export, never store records or repositories',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'sdk/dist/', 'sdk/src/generated/', 'web/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A forgotten await on a database or socket call is the bug we most want to catch.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Sources import each other as './x.js'; the files on disk are './x.ts'.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
      // no-cycle follows imports by parsing each imported file: tell it how to read TypeScript.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: [...layerZones, ...domainTypeZones] }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The SDK is a package of its own, for browsers and Node: it never reaches into the server.
    files: ['sdk/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [{ target: './sdk', from: ['./src', './test', './scripts', './bench'], message: 'the SDK is its own package: it may not import the server or its tests' }],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The dialect suites read answers shaped by old documents and check them with toEqual/toMatchObject;
    // typing each body first would only restate the assertion.
    files: ['test/compat/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
