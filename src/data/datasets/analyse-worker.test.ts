import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The drift reader runs in a worker thread only from compiled JavaScript: this suite drives dist/.
const COMPILED = new URL('../../../dist/data/datasets/analyse.js', import.meta.url);
if (!existsSync(fileURLToPath(COMPILED)))
  throw new Error('dist/data/datasets/analyse.js is missing: run `npm run build` first');
const { analyseForDrift } = (await import(COMPILED.href)) as typeof import('./analyse.js');

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-analyse-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const csv = path.join(tmp, 'side.csv');
writeFileSync(
  csv,
  `x,y\n${Array.from({ length: 2000 }, (_, i) => `${(i * 7919) % 1000},${i % 3 === 0 ? 'a' : 'b'}`).join('\n')}\n`,
);

describe('analyseForDrift in a worker thread', () => {
  it.runIf(process.platform === 'linux')(
    'settles once the reader thread has ended on its own, with the samples it sent',
    async () => {
      // The first call also starts libuv's thread pool, which would show up as new threads below.
      await analyseForDrift(csv);
      const before = readdirSync('/proc/self/task');
      const a = await analyseForDrift(csv);
      // A caller that goes on (a CLI command about to exit) while the isolate is still being torn
      // down can abort the process on Node 20: no thread of the call may be left by now.
      expect(readdirSync('/proc/self/task').filter((t) => !before.includes(t))).toEqual([]);
      expect(a.table.rows).toBe(2000);
      expect(a.drift.columns.get('x')?.sample.kind).toBe('numeric');
    },
  );

  it('rejects with the reader error when the file cannot be read', async () => {
    await expect(analyseForDrift(path.join(tmp, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
