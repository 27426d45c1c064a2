// @ts-check
/**
 * Drift at scale: generates two CSV files of N rows × C numeric columns (default 1,000,000 × 10;
 * some columns shifted in the current file), then times `keel data drift REFERENCE CURRENT --json`
 * end to end (streaming CSV parse, typed columns, sort, tests) in a fresh process per scenario and
 * records its wall time and peak RSS. Scenarios: Evidently's default selection (Wasserstein for
 * > 1000 reference rows), forced KS (exact ECDF statistic, asymptotic p-value), and drift against a
 * registered reference whose profile was computed once at registration and is reused from cache.
 * Target: ≤ 15 s and ≤ 1 GB RSS on the 2-core machine. Writes the "## Drift" section of
 * bench/RESULTS.md and bench/results/drift.json.
 *
 * Usage: npm run build && node bench/drift.js [--rows 1000000] [--cols 10] [--keep] [--no-write]
 * Runs on dist/ (plain ESM), so build first.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeResultsSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION = '## Drift';
const TARGET_S = 15;
const TARGET_MB = 1024;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    cols: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
  allowPositionals: true,
  strict: false,
});

/** Child mode: run one CLI invocation and report time and peak RSS on stdout as JSON. */
async function child() {
  const { runData } = await import('#keel/cli/data.js');
  const argv = JSON.parse(/** @type {string} */ (args.child));
  let out = '';
  let err = '';
  const t0 = performance.now();
  const code = await runData(argv, { out: (s) => (out += s), err: (s) => (err += s), env: process.env });
  const seconds = (performance.now() - t0) / 1000;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const maxRssMb = usage.maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({ code, seconds, cpuSeconds, maxRssMb, out: out.length < 200_000 ? out : '', err }),
  );
}

/**
 * @typedef {{ code: number, seconds: number, cpuSeconds: number, maxRssMb: number, out: string, err: string }} ChildResult
 * @typedef {{ name: string, note: string, once?: boolean, seconds: number, cpuSeconds: number,
 *   maxRssMb: number, drifted: number | null, methods: string[] }} Scenario
 * @typedef {{ date: string, rows: number, cols: number, bytes: number, nproc: number, cpu: string,
 *   node: string, loadAvg: string[], scenarios: Scenario[] }} DriftResults
 */

/** @param {string[]} argv @param {Record<string, string>} env @returns {Promise<ChildResult>} */
function runChild(argv, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(argv)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
    });
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(buf));
      } catch {
        reject(new Error(`child exited ${code}: ${buf.slice(0, 500)}`));
      }
    });
  });
}

/** Two CSVs from the shared deterministic generator; columns c0–c2 shift by 0.05–0.3 sd in current. */
/** @param {string} dir @param {number} rows @param {number} cols */
async function generate(dir, rows, cols) {
  const { Mulberry32 } = await import('#keel/data/drift/prng.js');
  const header = `${Array.from({ length: cols }, (_, j) => `c${j}`).join(',')}\n`;
  const files = [];
  for (const side of ['reference', 'current']) {
    const file = join(dir, `${side}.csv`);
    const g = new Mulberry32(side === 'reference' ? 1 : 2);
    const out = createWriteStream(file, { highWaterMark: 1 << 22 });
    out.write(header);
    const shift = Array.from({ length: cols }, (_, j) =>
      side === 'current' && j < 3 ? [0.3, 0.1, 0.05][j] : 0,
    );
    const lines = [];
    for (let i = 0; i < rows; i++) {
      const cells = new Array(cols);
      for (let j = 0; j < cols; j++) {
        // Irwin–Hall(4): bell-shaped, with column-specific location and scale.
        const s = g.uniform() + g.uniform() + g.uniform() + g.uniform() - 2;
        cells[j] = (10 * j + (1 + j) * (s + /** @type {number} */ (shift[j]))).toFixed(6);
      }
      lines.push(cells.join(','));
      if (lines.length === 10_000) {
        if (!out.write(`${lines.join('\n')}\n`))
          await new Promise((r) => out.once('drain', () => r(undefined)));
        lines.length = 0;
      }
    }
    if (lines.length) out.write(`${lines.join('\n')}\n`);
    await new Promise((r, j) => {
      out.once('error', j);
      out.end(() => r(undefined));
    });
    files.push(file);
  }
  return files;
}

async function main() {
  const rows = Number(args.rows);
  const cols = Number(args.cols);
  const dir = await mkdtemp(join(os.tmpdir(), 'keel-drift-bench-'));
  const env = { KEEL_DATABASE_URL: `sqlite:${join(dir, 'keel.db')}`, KEEL_DATA_DIR: join(dir, 'data') };
  try {
    process.stdout.write(`generating ${rows} rows × ${cols} columns per side in ${dir} …\n`);
    const t0 = performance.now();
    const [ref, cur] = /** @type {[string, string]} */ (await generate(dir, rows, cols));
    const bytes = (await stat(ref)).size + (await stat(cur)).size;
    process.stdout.write(
      `generated ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    /** @type {Scenario[]} */
    const scenarios = [];
    /** @param {string} name @param {string[]} argv @param {string} note */
    const run = async (name, argv, note) => {
      const r = await runChild(argv, env);
      if (r.code !== 0) throw new Error(`${name}: exit ${r.code} ${r.err}`);
      const report = r.out ? JSON.parse(r.out) : null;
      scenarios.push({
        name,
        note,
        seconds: r.seconds,
        cpuSeconds: r.cpuSeconds,
        maxRssMb: r.maxRssMb,
        drifted: report?.dataset?.drifted_columns ?? null,
        methods: report
          ? [...new Set(report.columns.map((/** @type {{ method: string }} */ c) => c.method))]
          : [],
      });
      process.stdout.write(
        `${name}: ${r.seconds.toFixed(2)} s (CPU ${r.cpuSeconds.toFixed(1)} s), peak RSS ${r.maxRssMb.toFixed(0)} MB\n`,
      );
    };
    await run(
      'files, default selection',
      ['drift', ref, cur, '--json'],
      'Evidently defaults: Wasserstein (normed) per column',
    );
    await run(
      'files, KS',
      ['drift', ref, cur, '--json', '--method', 'ks'],
      'exact two-sample statistic, asymptotic p-value',
    );
    const reg = await runChild(['register', 'bench-ref', ref], env);
    if (reg.code !== 0) throw new Error(`register failed: ${reg.err}`);
    scenarios.push({
      name: 'register reference (once)',
      note: 'read, profile, sort, cache',
      once: true,
      seconds: reg.seconds,
      cpuSeconds: reg.cpuSeconds,
      maxRssMb: reg.maxRssMb,
      drifted: null,
      methods: [],
    });
    process.stdout.write(`register: ${reg.seconds.toFixed(2)} s, peak RSS ${reg.maxRssMb.toFixed(0)} MB\n`);
    await run(
      'registered reference, default',
      ['drift', 'bench-ref@1', cur, '--json'],
      'reference profile loaded from cache',
    );

    const result = {
      date: new Date().toISOString(),
      rows,
      cols,
      bytes,
      nproc: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? '',
      node: process.version,
      loadAvg: os.loadavg().map((x) => x.toFixed(2)),
      scenarios,
    };
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', 'drift.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (!args['no-write']) await writeSection(result);
  } finally {
    if (!args.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** @param {DriftResults} r */
function markdown(r) {
  const rowsTable = r.scenarios
    .map((s) => {
      const met = s.once ? '—' : s.seconds <= TARGET_S && s.maxRssMb <= TARGET_MB ? 'met' : 'NOT met';
      return `| ${s.name} | ${s.seconds.toFixed(2)} s | ${s.cpuSeconds.toFixed(1)} s | ${s.maxRssMb.toFixed(0)} MB | ${s.drifted ?? ''} | ${s.methods.join(', ')} | ${met} | ${s.note} |`;
    })
    .join('\n');
  return `${SECTION}

Generated by \`node bench/drift.js\` on ${r.date}: ${r.rows.toLocaleString('en')} rows × ${r.cols} numeric columns
per side (${(r.bytes / 1e6).toFixed(0)} MB of CSV in all; columns c0–c2 shifted by 0.3, 0.1 and 0.05 sd in current),
\`keel data drift REFERENCE CURRENT --json\` end to end in a fresh process per scenario (time from the
command's start to its JSON; peak RSS = the process's maxRSS). Machine: ${r.nproc} × ${r.cpu}, Node ${r.node},
load average ${r.loadAvg.join(' / ')} at the end (other jobs shared the CPUs). CPU time counts both threads:
each side is parsed and sorted in its own worker thread. Target: ≤ ${TARGET_S} s and ≤ 1 GB RSS.

| scenario | wall time | CPU time | peak RSS | drifted columns | methods | target | notes |
|---|---|---|---|---|---|---|---|
${rowsTable}
`;
}

/** @param {DriftResults} r */
async function writeSection(r) {
  await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, markdown(r));
}

if (args.child) await child();
else await main();
