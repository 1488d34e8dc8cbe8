import { configDefaults, defineConfig } from 'vitest/config';

// Lighthouse's lab timings (TBT, Speed Index) grow with whatever else loads the machine: on two
// cores beside other test files, a page scored 98 in all three of its runs. It runs last, alone.
const LIGHTHOUSE = 'test/browser/lighthouse.test.ts';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // two cores on CI: keep process-spawning tests from starving each other
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, LIGHTHOUSE], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'lighthouse', include: [LIGHTHOUSE], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
