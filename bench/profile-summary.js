// @ts-check
/**
 * Summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=1 npm run bench`) as text: the functions with the
 * most self time, and the most inclusive time per function and per source file, so hot spots can be
 * read without opening DevTools.
 *
 *   node bench/profile-summary.js bench/results/CPU.*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { table } from './lib/report.js';

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number },
 *   children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }} Profile
 */

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
/** @type {Profile} */
const profile = JSON.parse(readFileSync(file, 'utf8'));

/** @type {Map<number, ProfileNode>} */
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
/** @type {Map<number, number>} */
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** @type {Map<number, number>} µs of self time per node */
const self = new Map();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** @param {string} url */
const shortUrl = (url) => {
  const path = url.replace(/^file:\/\//, '');
  const dep = path.lastIndexOf('/node_modules/');
  if (dep !== -1) return `npm:${path.slice(dep + '/node_modules/'.length)}`;
  return path.replace(/^.*\/dist\//, 'dist/');
};
/** @param {ProfileNode} n */
const fnKey = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
/** @param {ProfileNode} n */
const fileKey = (n) => {
  const url = shortUrl(n.callFrame.url);
  if (url === '') return `(${n.callFrame.functionName || 'native'})`;
  // Group a dependency as one package, Keel's own code by file.
  return url.startsWith('npm:')
    ? url
        .split('/')
        .slice(0, url.startsWith('npm:@') ? 2 : 1)
        .join('/')
    : url;
};

/** @param {(n: ProfileNode) => string} key @param {boolean} inclusive */
function aggregate(key, inclusive) {
  /** @type {Map<string, number>} */
  const acc = new Map();
  for (const [id, us] of self) {
    /** @type {Set<string>} */
    const seen = new Set();
    let cur = /** @type {number | undefined} */ (id);
    while (cur !== undefined) {
      const n = byId.get(cur);
      if (!n) break;
      const k = key(n);
      // Count recursion once per sample, so inclusive time never exceeds 100 %.
      if (!seen.has(k)) {
        seen.add(k);
        acc.set(k, (acc.get(k) ?? 0) + us);
      }
      if (!inclusive) break;
      cur = parent.get(cur);
    }
  }
  return [...acc.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/** @param {[string, number][]} rows */
const render = (rows) =>
  table(
    ['ms', '%', 'where'],
    rows.map(([k, us]) => [(us / 1000).toFixed(0), ((us / total) * 100).toFixed(1), k]),
    2,
  );

const out = process.stdout;
out.write(`profile: ${(total / 1e6).toFixed(1)} s of samples\n\n`);
out.write(`Self time by function\n${render(aggregate(fnKey, false))}\n\n`);
out.write(`Self time by file / package\n${render(aggregate(fileKey, false))}\n\n`);
out.write(`Inclusive time by file / package\n${render(aggregate(fileKey, true))}\n\n`);
out.write(`Inclusive time by function\n${render(aggregate(fnKey, true))}\n`);
