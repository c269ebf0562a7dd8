// ESLint 9 flat config for the whole repository: typescript-eslint on the worker, emulators,
// scripts and tests; @salesforce/eslint-config-lwc (recommended) on Lightning Web Components,
// with jest globals in their __tests__. Fixtures are deliberately broken and not linted.
import tseslint from 'typescript-eslint';
import globals from 'globals';
import lwcConfig from '@salesforce/eslint-config-lwc';
import jest from 'eslint-plugin-jest';

const tsFiles = ['**/*.ts'];
const lwcFiles = ['force-app/**/lwc/**/*.js'];
const lwcTestFiles = ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/**/jest-mocks/**/*.js'];

export default [
  {
    ignores: [
      '**/node_modules/**',
      'test/fixtures/**',
      'coverage/**',
      'dist/**',
      'data/**',
      '.tmp/**',
      '.sf/**',
      '.sfdx/**',
      '.localdevserver/**',
      'bench/results/**',
      'test/artifacts/**',
    ],
  },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: tsFiles })),
  {
    files: tsFiles,
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // An unused argument or binding named _x is a deliberate placeholder.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  ...lwcConfig.configs.recommended.map((config) => ({ ...config, files: lwcFiles })),
  {
    files: lwcTestFiles,
    plugins: { jest },
    languageOptions: { globals: { ...globals.jest, ...globals.node } },
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // Tests flush the microtask queue with setTimeout/await, which components may not.
      '@lwc/lwc/no-async-operation': 'off',
      'no-await-in-loop': 'off',
    },
  },
  {
    files: ['*.js', '*.cjs', '*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
