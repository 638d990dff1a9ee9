import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const boundaries = require('./tools/eslint/module-boundaries.cjs');

const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.integration-spec.ts',
  '**/*.e2e-spec.ts',
  '**/*.chaos-spec.ts',
  'test/chaos/*.ts',
  'libs/testing/**/*.ts',
];

export default tseslint.config(
  // test/partner is type-checked (strict) by test/e2e/typed-client against types generated from the running API.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'tmp/**',
      'coverage/**',
      'test/partner/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  { plugins: { '@nx': nx } },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      // Nest's decorators and class-validator DTOs use empty classes and extraneous-class patterns on purpose.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Tests read untyped JSON bodies all the time; strict unsafe-any rules would only add casts.
    // Tests (and only tests) may use the test harness and its fixtures.
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { ...boundaries, depConstraints: boundaries.depConstraints.filter((c) => !c.notDependOnLibsWithTags) },
      ],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
