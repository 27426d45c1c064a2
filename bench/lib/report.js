// @ts-check
/** Turning measurements into the stdout table, bench/results/latest.json and bench/RESULTS.md. */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';

/** @param {number} v @param {number} [digits] */
export const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** The 1/5/15-minute load averages, to two decimals. */
export function loadAvgNow() {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/**
 * When and where a value bench ran, for the head of its results JSON.
 * @param {number[]} loadAverage the load averages before the run
 */
export function runStamp(loadAverage) {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '',
    load_average: loadAverage,
  };
}

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    nproc: os.availableParallelism(),
    cpu,
    memGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg: loadAvgNow(),
  };
}

/**
 * Fixed-width text table; the label column (first, or `leftCol`) is left-aligned, numbers right.
 * @param {string[]} head @param {(string | number)[][]} rows @param {number} [leftCol]
 */
export function table(head, rows, leftCol = 0) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) =>
    r.map((c, i) => (i === leftCol ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
    .map((l) => l.trimEnd())
    .join('\n');
}

/**
 * Markdown table padded the way biome formats markdown, so the generated file passes `biome check`.
 * @param {string[]} head @param {(string | number)[][]} rows
 */
export function mdTable(head, rows) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/**
 * @typedef {{ name: string, target: string, value: string, met: boolean | null, reference?: boolean }} TargetResult
 *   `reference`: reported beside the targets, not one of them (no pass or fail)
 * @typedef {import('./load.js').LoadResult} LoadResult
 * @typedef {{ scenario: string, label: string, round: number, direct: LoadResult | null, keel: LoadResult | null,
 *   keelCpuMsPerReq: number | null }} RunPair
 */

/** One row per run pair: the raw per-round numbers behind the medians. */
/** @param {RunPair[]} pairs */
export function roundRows(pairs) {
  return pairs.map((p) => [
    p.label,
    p.round,
    fmt(p.direct?.rps ?? Number.NaN, 0),
    fmt(p.keel?.rps ?? Number.NaN, 0),
    fmt(p.direct?.latencyMs.p50 ?? Number.NaN, 3),
    fmt(p.keel?.latencyMs.p50 ?? Number.NaN, 3),
    fmt(p.direct?.latencyMs.p99 ?? Number.NaN, 3),
    fmt(p.keel?.latencyMs.p99 ?? Number.NaN, 3),
    fmt(p.keelCpuMsPerReq ?? Number.NaN, 3),
  ]);
}

export const ROUND_HEAD = [
  'scenario',
  'round',
  'direct req/s',
  'keel req/s',
  'direct p50 ms',
  'keel p50 ms',
  'direct p99 ms',
  'keel p99 ms',
  'keel CPU ms/req',
];

/** @param {TargetResult[]} targets */
export function targetRows(targets) {
  return targets.map((t) => [
    t.name,
    t.target,
    t.value,
    t.reference ? 'reference' : t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met',
  ]);
}

const NOTES_MARKER = '<!-- notes: everything below this line is kept when the bench rewrites this file -->';

/** Hand-written notes (profiles, analysis) at the end of RESULTS.md survive regeneration. */
/**
 * A run on a machine whose run queue was longer than its CPU count measured the neighbours as much
 * as Keel; say so next to the numbers instead of letting them pass as Keel's.
 * @param {{ nproc: number, loadAvg: number[], loadAvgAfter?: number[] }} m
 */
export function noiseWarning(m) {
  const worst = Math.max(m.loadAvg[0] ?? 0, m.loadAvgAfter?.[0] ?? 0);
  if (worst <= m.nproc) return null;
  return `- WARNING: the 1-minute load average reached ${worst} on ${m.nproc} CPUs: other jobs competed for the CPUs, so wall-clock latency and req/s understate Keel (CPU ms/req is less affected).`;
}

/** @param {string} path */
function keptNotes(path) {
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // first run
  }
  const at = old.indexOf(NOTES_MARKER);
  return at === -1 ? `${NOTES_MARKER}\n` : old.slice(at);
}

/**
 * @typedef {{ date: string,
 *   machine: ReturnType<typeof machineInfo> & { loadAvgAfter: number[] },
 *   config: { durationS: number, rounds: number, warmupS: number, settleS: number, requestBytes: number },
 *   keelMeasured: boolean,
 *   summary: { scenarios: import('./summary.js').ScenarioSummary[],
 *     memory: { rssMb: number, peakRssMb: number } | null },
 *   targets: TargetResult[], pairs: RunPair[], correctness: string[], ok: boolean }} RunResults
 */

/**
 * @param {string} path
 * @param {RunResults} results the object also written to latest.json
 */
export async function writeResultsMd(path, results) {
  const m = results.machine;
  const s = results.summary;
  const md = `# Keel benchmark results

Generated by \`npm run bench\` (bench/run.js) on ${results.date}. Regenerated on every full run:
the numbers below are whatever the last run measured, targets met or not.

## Machine

- CPUs (nproc): ${m.nproc}, ${m.cpu}
- Memory: ${m.memGb} GB
- Node ${m.node}, ${m.os}
- Load average (1/5/15 min) before the run: ${m.loadAvg.join(' / ')}, after: ${m.loadAvgAfter.join(' / ')}
${noiseWarning(m) ?? '- The machine looked quiet (load average below the CPU count).'}

## Settings

${results.config.durationS} s measured per run, ${results.config.rounds} rounds; direct and Keel runs alternate
(the order flips every round). Each run first goes ${results.config.settleS ?? 0} s unrecorded on its own
connections, so the measured window is the sustained state and not the ~1 s in which V8 recompiles
Node's socket code after the previous run's connections closed (bench/README.md). Request: a ${results.config.requestBytes}-byte chat.completions body.
Keel: \`node bin/keel.js start\`, one openai-compatible provider pointing at the fake upstream
(bench/fake-upstream.js, precomputed responses), usage recording on (SQLite, WAL; inserts and rollups on Keel's writer thread), logging level warn,
one client API key. Fake upstream, Keel and autocannon each run in their own process.

## Targets

${mdTable(['target', 'goal', 'measured (median of rounds)', 'result'], targetRows(results.targets))}

Added latency = Keel's percentile minus the direct percentile in the same round; the table shows the
median over rounds.

## Medians over rounds

${mdTable(
  [
    'scenario',
    'direct req/s',
    'keel req/s',
    'keel/direct',
    'direct p50',
    'keel p50',
    'direct p99',
    'keel p99',
    'keel CPU ms/req',
  ],
  s.scenarios.map((x) => [
    x.label,
    fmt(x.directRps, 0),
    fmt(x.keelRps, 0),
    fmt(x.rpsRatio, 2),
    `${fmt(x.directP50, 3)} ms`,
    `${fmt(x.keelP50, 3)} ms`,
    `${fmt(x.directP99, 3)} ms`,
    `${fmt(x.keelP99, 3)} ms`,
    fmt(x.keelCpuMsPerReq, 3),
  ]),
)}

Keel runs on one event loop, so 1000 / (CPU ms/req) is roughly the req/s one dedicated core would
give it; compare it with the 3,000 req/s target when the wall-clock numbers are drowned in noise.

Keel memory after all runs: RSS ${fmt(s.memory?.rssMb ?? Number.NaN, 1)} MB, peak RSS (VmHWM)
${fmt(s.memory?.peakRssMb ?? Number.NaN, 1)} MB.

## Every round

${mdTable(ROUND_HEAD, roundRows(results.pairs))}

"keel CPU ms/req" is the CPU time (user + system) Keel's process used during the run divided by the
requests it served: the machine-noise-resistant view of Keel's own cost.

## Correctness

${results.correctness.map((c) => `- ${c}`).join('\n')}
`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${md}\n${keptNotes(path)}`);
}

/**
 * Replace one `## Section` of RESULTS.md (or append it below the notes marker, which `npm run bench`
 * keeps), so the specialised benches can record their numbers without touching each other's.
 * @param {string} path @param {string} section the heading line, e.g. "## Drift" @param {string} md
 */
export async function writeResultsSection(path, section, md) {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text = '# Keel benchmark results\n';
  }
  const at = text.indexOf(`${section}\n`);
  if (at !== -1) {
    const next = text.indexOf('\n## ', at + section.length);
    text = text.slice(0, at) + md + (next === -1 ? '' : `\n${text.slice(next + 1)}`);
  } else {
    if (!text.includes(NOTES_MARKER)) text = `${text.trimEnd()}\n\n${NOTES_MARKER}\n`;
    text = `${text.trimEnd()}\n\n${md}`;
  }
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  process.stdout.write(`Wrote the "${section}" section of ${path}\n`);
}
