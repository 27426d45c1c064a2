// @ts-check
/**
 * `npm run bench:redteam`: how long `keel redteam` takes to run 1,000 attacks (and their benign
 * look-alikes) against Keel with the simulator provider (latency 0). Keel runs in its own process
 * on a local port (one per route), SQLite, production mode; the command runs in this process exactly as
 * `keel redteam` does (all three reports written, storing off), at its default concurrency.
 * Three routes: the built-in guard policy in front of the ordinary simulator and in front of its naive
 * mode (`gpt-4o-mini-naive`, which obeys injected instructions), and every guard off in front of the
 * naive mode, so the time covers both the blocked and the answered path.
 * The corpus is whatever src/redteam/corpus ships; when it has fewer than 1,000 attacks for the
 * requested samples, its probes are repeated (ids suffixed) up to 1,000. Issue #17 asks for under 60 s.
 * Writes the "## Red team" section of bench/RESULTS.md.
 *
 * Env: BENCH_ATTACKS (default 1000).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runRedteamCli } from '#keel/cli/redteam.js';
import { buildProbes, CORPUS_VERSION } from '#keel/redteam/corpus/index.js';
import { CATEGORIES } from '#keel/redteam/types.js';
import { writeConfig } from './lib/config.js';
import { freePort, startBenchKeel } from './lib/procs.js';
import { fmt, machineInfo, mdTable, table, writeResultsSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION = '## Red team';
const ATTACKS = Number(process.env.BENCH_ATTACKS ?? 1000);
const TARGET_S = 60;
const KEY = 'sk-keel-bench-redteam-01';

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/** @typedef {import('#keel/redteam/types.js').Probe} Probe */

/**
 * The corpus at enough samples per category for ATTACKS attacks, cycled up to exactly ATTACKS attacks
 * and as many benign look-alikes (fewer when the corpus has fewer).
 * @param {import('#keel/redteam/corpus/index.js').BuildOptions} opts @returns {Probe[]}
 */
function thousand(opts) {
  const probes = buildProbes({ ...opts, samples: Math.ceil(ATTACKS / CATEGORIES.length) });
  /** @param {Probe[]} list @param {number} n @returns {Probe[]} */
  const cycle = (list, n) =>
    list.length === 0
      ? []
      : Array.from({ length: n }, (_, i) => {
          const p = /** @type {Probe} */ (list[i % list.length]);
          const round = Math.floor(i / list.length);
          return round === 0 ? p : { ...p, id: `${p.id}/r${round}` };
        });
  return [
    ...cycle(
      probes.filter((p) => p.kind === 'attack'),
      ATTACKS,
    ),
    ...cycle(
      probes.filter((p) => p.kind === 'benign'),
      ATTACKS,
    ),
  ];
}

/**
 * @param {number} port @param {string} dbPath @param {boolean} guards
 * @returns {import('#keel/config/schema.js').KeelConfigInput}
 */
function config(port, dbPath, guards) {
  return {
    server: { host: '127.0.0.1', port },
    database: { url: `sqlite:${dbPath}` },
    auth: { keys: [{ name: 'redteam', key: KEY, use_case: 'redteam-bench' }] },
    providers: [{ id: 'sim', kind: 'simulator', simulator: { latency_ms: 0 } }],
    models: ['gpt-4o-mini', 'gpt-4o-mini-naive'].map((name) => ({
      name,
      targets: [{ provider: 'sim', model: name }],
    })),
    guards: { enabled: guards },
    logging: { level: 'warn' },
  };
}

/**
 * One `keel redteam` run; returns its wall time and the JSON report.
 * @param {string} url @param {string} model @param {string} dir @param {string} name
 */
async function runOnce(url, model, dir, name) {
  const json = join(dir, `${name}.json`);
  let out = '';
  let err = '';
  const argv = ['--target', `${url}/v1`, '--key', KEY, '--model', model, '--no-store', '--json', json];
  argv.push('--report', join(dir, `${name}.html`), '--junit', join(dir, `${name}.xml`));
  const t0 = performance.now();
  const code = await runRedteamCli(
    argv,
    { out: (s) => (out += s), err: (s) => (err += s), env: {} },
    { buildProbes: thousand },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`keel redteam exited ${code}:\n${err}`);
  log(out);
  /** @type {import('#keel/redteam/types.js').RedteamReport} */
  const report = JSON.parse(await readFile(json, 'utf8'));
  return { seconds, report };
}

const machine = machineInfo();
const tmp = await mkdtemp(join(os.tmpdir(), 'keel-bench-redteam-'));
const scenarios = [
  { name: 'guarded', label: 'default guard policy, gpt-4o-mini', guards: true, model: 'gpt-4o-mini' },
  // The protected route the suite is about: a model that obeys every injected instruction, behind the
  // built-in policy — what gets through here is what the guards alone let through.
  {
    name: 'naive-guarded',
    label: 'default guard policy, gpt-4o-mini-naive',
    guards: true,
    model: 'gpt-4o-mini-naive',
  },
  { name: 'naive', label: 'guards off, gpt-4o-mini-naive', guards: false, model: 'gpt-4o-mini-naive' },
];
/** @type {(string | number)[][]} */
const rows = [];
let slowest = 0;
try {
  for (const s of scenarios) {
    // One Keel per route, so the guards-off run shares nothing (caches, event log) with the guarded one.
    const port = await freePort();
    const configPath = await writeConfig(
      tmp,
      config(port, join(tmp, `${s.name}.db`), s.guards),
      `${s.name}.yaml`,
    );
    const keel = await startBenchKeel({ configPath, port, spoolDir: join(tmp, `spool-${s.name}`) });
    try {
      const { seconds, report } = await runOnce(keel.url, s.model, tmp, s.name);
      slowest = Math.max(slowest, seconds);
      rows.push([
        s.label,
        report.summary.attacks,
        report.summary.benign,
        fmt(seconds, 1),
        fmt((report.summary.attacks + report.summary.benign) / seconds, 0),
        `${fmt(report.summary.attack_success_rate * 100, 1)}%`,
        `${fmt(report.summary.false_positive_rate * 100, 1)}%`,
        fmt(report.summary.score, 1),
        report.errors,
      ]);
    } finally {
      await keel.stop();
    }
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
const head = ['route', 'attacks', 'benign', 'wall s', 'req/s', 'ASR', 'FPR', 'score', 'errors'];
process.stdout.write(`${table(head, rows)}\n`);
const met = slowest < TARGET_S;
const md = [
  SECTION,
  '',
  `\`npm run bench:redteam\` (${new Date().toISOString().slice(0, 10)}; ${machine.cpu}, ${machine.nproc} CPUs, node ${machine.node}, load average at start ${machine.loadAvg.join(' ')}). \`keel redteam\` at its default concurrency (8) against one Keel process per route (SQLite, production mode) in front of the simulator with latency 0, all three reports written, corpus \`${CORPUS_VERSION}\` (probes repeated up to ${ATTACKS} attacks when it has fewer):`,
  '',
  mdTable(
    head,
    rows.map((r) => r.map(String)),
  ),
  '',
  `Slowest run: ${fmt(slowest, 1)} s for ${ATTACKS} attacks (target under ${TARGET_S} s) — ${met ? 'met' : 'NOT met'}. ASR and FPR depend on the corpus and the simulator's naive mode; this bench is about the time.`,
  '',
].join('\n');
await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, md);
if (!met) process.exitCode = 1;
