// Unit tests sit beside the code (*.test.ts); integration and e2e suites live in test/.
/** @type {import('jest').Config} */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
// Sources import siblings as './x.js' (nodenext); jest resolves them to the .ts file.
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
module.exports = {
  // jest 30 ignores testTimeout inside a project; integration suites start real processes.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      roots: ['<rootDir>/core', '<rootDir>/exporter', '<rootDir>/autoscaler'],
      testMatch: ['**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
    },
  ],
};
