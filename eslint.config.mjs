import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'public/vendor/**', 'test-results/**', 'forge/static/configure/**', 'forge/static/flag-panel/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['public/**/*.js'],
    // The Configure page's browser modules, bundled by esbuild (src/configure/page-build.ts).
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly', AP: 'readonly', fetch: 'readonly' } },
  },
);
