import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Suites start real servers and child processes: run files in separate processes, two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
