// Lint: typescript-eslint's recommended rules plus the few habits we enforce (E15: no code from config).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-implied-eval': 'error',
    },
  },
  {
    files: ['pkg/**/*.ts', 'cmd/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'vm', message: 'E15: no code evaluation in the gateway' },
        { name: 'node:vm', message: 'E15: no code evaluation in the gateway' },
        { name: 'child_process', message: 'E15: no subprocesses in the gateway' },
        { name: 'node:child_process', message: 'E15: no subprocesses in the gateway' },
      ] }],
    },
  },
);
