// Two tiers beside the code: *.spec.ts (logic, no I/O) and *.integration-spec.ts (real NATS and
// Postgres), plus apps/e2e which starts the services as processes. One test file at a time: the
// integration tiers share one NATS and one Postgres and isolate by prefix/schema, not by parallelism.
// `npm test` runs them in one worker that is replaced when its heap stays above 1.5 GB after a file
// (--workerIdleMemoryLimit): in band, what ~140 files leave behind outgrew the 4 GB heap.
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.exclude;
swcrc.jsc.baseUrl = __dirname;
// The console's single-page app (apps/console/web) is TSX with React's automatic runtime.
const tsx = { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } } };
const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
  '^.+\\.tsx$': ['@swc/jest', { ...tsx, module: { type: 'commonjs' }, swcrc: false }],
};
const moduleNameMapper = {
  '^@firebreak/(contracts|bus|platform|testing|mcp)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = { rootDir: __dirname, transform, moduleNameMapper, testEnvironment: 'node' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.integration-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.setup-integration.js'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/e2e/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.setup-integration.js'],
    },
  ],
};
