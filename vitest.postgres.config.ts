import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:postgres`: every storage suite, run against a real PostgreSQL server too
 * (KEEL_TEST_POSTGRES_URL). A storage suite is a test file that runs over the store list of
 * src/store/testkit.ts (or the helpers built on it), so a new one is included without being listed here.
 */
const STORE_LIST =
  /\b(STORES|SHARED_STORES|POSTGRES|connectTo|verifyModes|counterTargets|createTestDatabase)\b/;

function storageSuites(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('cluster/') && !f.startsWith('browser/'))
    .map((f) => `${dir}/${f}`)
    .filter((f) => STORE_LIST.test(readFileSync(f, 'utf8')))
    .sort();
}

// Not mergeConfig: it would append to the base config's include instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [...storageSuites('src'), ...storageSuites('test')],
    // One server for every file: files run one after another (each has databases of its own).
    fileParallelism: false,
  },
});
