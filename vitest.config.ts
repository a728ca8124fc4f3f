import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships index.mjs ("module") beside index.js ("main"); Node loads index.js for every
    // dependency (yoga, Pothos), so our own files must too, or two graphql instances meet.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Suites start real servers and child processes: run files in separate processes, two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
