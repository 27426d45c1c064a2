import { defineConfig } from 'vitest/config';

/** `npm run test:cluster`: the multi-replica test alone (it starts its own processes). */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
