import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers and worker threads; two cores do best with two forks.
    pool: 'forks',
    maxWorkers: 2,
    // CI also keeps a machine-readable report, from which .ci/run prints one closing count.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/ci/vitest.json' }]] : ['default'],
  },
});
