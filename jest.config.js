/**
 * One jest configuration for every tier. Files name their tier:
 *   *.spec.ts             unit tests (fakes allowed)
 *   *.integration-spec.ts against the real Kafka broker and PostgreSQL started by tools/scripts/test.mjs
 *   *.e2e-spec.ts         the four services as separate processes on the real broker and database
 */
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const tier = (displayName, pattern, extra = {}) => ({
  displayName,
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: [pattern],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: pathsToModuleNameMapper(),
  setupFiles: ['reflect-metadata'],
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', '**/*.spec.ts'),
    tier('integration', '**/*.integration-spec.ts'),
    tier('e2e', '**/*.e2e-spec.ts'),
    // Fault injection under load (`npm run test:chaos`): minutes long, so not part of `npm test`.
    ...(process.env.GATEWAY_CHAOS ? [tier('chaos', '**/*.chaos-spec.ts')] : []),
  ],
};
