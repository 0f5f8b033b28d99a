// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // d3 ships `.mjs` files that @grafana/data requires: transform them too.
  transform: { '^.+\\.m?(t|j)sx?$': Object.values(base.transform)[0] },
  // The live view page's pure transforms (live/) are tested beside them too.
  testMatch: [...base.testMatch, '<rootDir>/live/**/*.test.{ts,tsx}'],
};
