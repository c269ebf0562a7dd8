// LWC unit tests (sfdx-lwc-jest). roots keeps jest inside force-app so it never picks up the
// TypeScript tests (vitest runs those); v8 coverage because the default reads 0 % for LWC.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

export default {
  ...jestConfig,
  roots: ['<rootDir>/force-app'],
  coverageProvider: 'v8',
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/'],
};
