import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts', 'e2e/*.test.ts'], sequence: { groupOrder: 0 } } },
      // The multi-process e2e suite (e2e/suite): each file starts an API server, operators and proxies, so its files
      // run one at a time, after everything else (they would starve each other of CPU on a small CI machine).
      {
        extends: true,
        test: { name: 'e2e-suite', include: ['e2e/suite/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      // The operator's tests against a real API server (e2e/operator): one API server per file, one file at a time, last.
      {
        extends: true,
        test: { name: 'e2e-operator', include: ['e2e/operator/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
      // The Helm chart against a real API server (e2e/chart): dry run, install/uninstall, the operator under the chart's RBAC.
      {
        extends: true,
        test: { name: 'e2e-chart', include: ['e2e/chart/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 3 } },
      },
    ],
  },
});
