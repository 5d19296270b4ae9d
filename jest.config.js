// Jest for the frontend: jsdom, TypeScript through SWC, and the real
// @grafana/ui components (some of their dependencies ship ES modules only,
// so those are transformed too), as @grafana/create-plugin sets it up.
const esModules = [
  'd3',
  'd3-[a-z-]+',
  'internmap',
  'delaunator',
  'robust-predicates',
  'ol',
  'rxjs',
  'uuid',
  'marked',
  'react-colorful',
  '@grafana/[a-z-]+',
  'ansicolor',
  'nanoid',
  'lodash-es',
  'react-calendar',
  'get-user-locale',
  'memoize',
  'mimic-function',
  '@wojtekmaj/[a-z-]+',
];

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
  transform: {
    '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
      '@swc/jest',
      {
        sourceMaps: 'inline',
        jsc: {
          parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
          transform: { react: { runtime: 'automatic' } },
        },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules.join('|')})(/|$))`],
  moduleNameMapper: {
    '\\.(css|scss|sass)$': '<rootDir>/src/test/styleMock.js',
    '\\.(svg|png|jpg)$': '<rootDir>/src/test/fileMock.js',
  },
  testTimeout: 20000,
};
