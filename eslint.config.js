import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.firedrill/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A dropped promise in a chaos tool is a fault never reverted.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier wraps code at 140; this stops long strings and comments (it leaves those alone).
      'max-len': ['error', { code: 180, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // The layers of DESIGN.md: no import from a layer above (eslint/layers.js, docs/architecture.md).
    files: ['src/**/*.ts'],
    plugins: { firedrill: layers },
    rules: { 'firedrill/layers': ['error', { srcRoot: `${import.meta.dirname}/src` }] },
  },
  {
    // The dashboard imports only the API's types (src/server/api-types.ts), never server internals.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!server/api-types(\\.js)?$)',
              message: 'the dashboard imports only the API types (src/server/api-types.ts), never server internals (docs/architecture.md).',
            },
            {
              regex: '(^|/)src/server/api-types(\\.js)?$',
              allowTypeImports: true,
              message: 'the API types are types: import them with `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    // The launcher is CommonJS (bin/package.json): Node starts it sooner than an ES module.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // expect.objectContaining() and friends are typed any; tests may pass them around.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' },
    },
  },
);
