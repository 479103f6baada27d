import { configDefaults, defineConfig } from 'vitest/config';

const INCLUDE = ['bin/*.test.ts', 'electron/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/**/*.test.ts'];
// Run after the rest of the suite, one at a time: the crash test, whose twenty-odd CLI processes would
// slow the test files beside it.
const ALONE = ['electron/core/cli/crash.test.ts'];

export default defineConfig({
  test: {
    // A guard against a hung test, not a measure: tests with real servers, processes and threads take
    // several times longer on a loaded two-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Tests start real servers and worker threads; two cores do best with two forks.
    pool: 'forks',
    maxWorkers: 2,
    // CI also keeps a machine-readable report, from which .ci/run prints one closing count.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/ci/vitest.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: INCLUDE, exclude: [...configDefaults.exclude, ...ALONE], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
