/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  // Sources import './x.js' (NodeNext); map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  // PGlite takes ~0.5 GiB per open database: two workers fit a 2-core machine comfortably.
  maxWorkers: 2,
  // Tests assert behaviour, not speed (npm run bench measures speed). Starting several embedded
  // databases for one fixture took over 60 s on a 2-core machine busy with other work.
  testTimeout: 120_000,
  verbose: false,
};
