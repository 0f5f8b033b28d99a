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
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/lab/', '<rootDir>/test/lab-e2e/'],
    },
    {
      // The real QEMU lab is one per machine (network namespaces lab-a/lab-b) and its checks
      // read guests' progress under CPU contention: `npm test` runs this project alone,
      // in band, after the others (see package.json "test").
      displayName: 'lab',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      roots: ['<rootDir>/test/lab', '<rootDir>/test/lab-e2e'],
      testMatch: ['**/*.test.ts'],
    },
  ],
};
