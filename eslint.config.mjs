import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { layering } from './eslint/layering.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'grafana-plugin/', 'coverage/', '**/*.js', '!bin/*.js'] },
  // Fixtures that break the layering rules on purpose (test/lint/layering.test.ts lints them).
  { ignores: ['test/lint/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  ...layering(import.meta.dirname),
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
