// @ts-check
/**
 * `npm run bench`: the single-node benchmark (bench/run.js), then the cost of durable recording
 * (bench/durability.js), the latency the MCP gateway adds to a tool call (bench/mcp.js), what the
 * default guard policy costs in throughput (bench/guards.js), then replicas on PostgreSQL behind nginx (bench/cluster.js) when a server and nginx are available.
 * Each script runs in its own process with the caller's environment (BENCH_DURATION, BENCH_ROUNDS,
 * BENCH_SETTLE, ...). Afterwards the single-node targets are compared
 * with the ones RESULTS.md held before this run: issue #12 allows durable recording to cost at most
 * 10% of them. Exits non-zero if any script failed; a skipped cluster part is not a failure.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from './lib/nginx.js';
import { findPostgresBin, startThrowawayPostgres } from './lib/postgres.js';
import { fmt } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const MAX_REGRESSION = 0.1;

/** Rows of the Targets table that bench/run.js writes; `higher`: bigger is better. */
const TRACKED = [
  { name: 'added latency p50, c=1', unit: 'ms', higher: false },
  { name: 'added latency p99, c=1', unit: 'ms', higher: false },
  { name: 'throughput via Keel, c=64 (full speed)', unit: 'req/s', higher: true },
];

/** @returns {Map<string, number>} measured value of each tracked target in RESULTS.md */
function readTargets() {
  /** @type {Map<string, number>} */
  const values = new Map();
  let text = '';
  try {
    text = readFileSync(RESULTS, 'utf8');
  } catch {
    return values;
  }
  for (const t of TRACKED) {
    const escaped = t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^\\| ${escaped}\\s*\\|[^|]*\\|\\s*(-?[\\d.]+) `, 'm').exec(text);
    if (m?.[1]) values.set(t.name, Number(m[1]));
  }
  return values;
}

/** @param {string} script @param {Record<string, string>} [env] @returns {Promise<number>} exit code */
function run(script, env = {}) {
  process.stderr.write(`\n=== node bench/${script}\n`);
  const child = spawn(process.execPath, [join('bench', script)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

const before = readTargets();
/** @type {string[]} */
const failed = [];
if ((await run('run.js')) !== 0) failed.push('run.js');
const after = readTargets();
if ((await run('durability.js')) !== 0) failed.push('durability.js');
// The latency /mcp adds to a tool call (issue #18: p50 under 1 ms).
if ((await run('mcp.js')) !== 0) failed.push('mcp.js');
// Guards on vs off at c=64, in paired windows (issue #15: at most 5 % of throughput).
if ((await run('guards.js')) !== 0) failed.push('guards.js');

const nginx = findBinary('nginx');
let pgUrl = process.env.KEEL_BENCH_POSTGRES_URL ?? process.env.KEEL_TEST_POSTGRES_URL;
/** @type {{ url: string, stop: () => void } | null} */
let throwaway = null;
const pgBin = pgUrl || !nginx ? null : findPostgresBin();
if (pgBin) {
  // No server named: start one of our own, as .ci/run does for the tests.
  throwaway = await startThrowawayPostgres(pgBin);
  pgUrl = throwaway.url;
  process.stderr.write(`\n=== throwaway PostgreSQL from ${pgBin} at ${pgUrl}\n`);
}
/** @type {string} */
let cluster;
if (pgUrl && nginx) {
  try {
    cluster = (await run('cluster.js', { KEEL_BENCH_POSTGRES_URL: pgUrl })) === 0 ? 'measured' : 'FAILED';
  } finally {
    throwaway?.stop();
  }
  if (cluster === 'FAILED') failed.push('cluster.js');
} else {
  cluster = `skipped: ${[
    pgUrl ? '' : 'no KEEL_BENCH_POSTGRES_URL / KEEL_TEST_POSTGRES_URL and no PostgreSQL server binaries',
    nginx ? '' : 'no nginx binary on PATH or in /usr/sbin',
  ]
    .filter(Boolean)
    .join(' and ')}`;
  process.stderr.write(`\n=== bench/cluster.js ${cluster}\n`);
}

process.stdout.write('\nSingle node against the previous RESULTS.md\n');
for (const t of TRACKED) {
  const was = before.get(t.name);
  const now = after.get(t.name);
  if (was === undefined || now === undefined) {
    process.stdout.write(`  ${t.name}: ${now === undefined ? 'not measured' : 'no previous value'}\n`);
    continue;
  }
  const change = (now - was) / was;
  const worse = t.higher ? change < -MAX_REGRESSION : change > MAX_REGRESSION;
  process.stdout.write(
    `  ${t.name}: ${fmt(was, t.higher ? 0 : 3)} → ${fmt(now, t.higher ? 0 : 3)} ${t.unit} (${change >= 0 ? '+' : ''}${fmt(change * 100, 1)}%)${worse ? ` REGRESSION beyond ${MAX_REGRESSION * 100}% (check the load average in RESULTS.md before trusting it)` : ''}\n`,
  );
}
process.stdout.write(`Cluster part: ${cluster}\n`);
if (failed.length > 0) process.stdout.write(`Failed: ${failed.join(', ')}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
