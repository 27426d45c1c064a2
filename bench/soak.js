// @ts-check
/**
 * Soak: a steady request rate through a real `keel start` (SQLite store with its writer thread,
 * default guards on, half the calls streaming) against the fake upstream, for a bounded time.
 * Every few seconds it samples the Keel process: RSS, thread count and open file descriptors from
 * /proc, and heap used, event-loop delay p99 and active handles from a probe preloaded into the
 * process (bench/lib/runtime-probe.js). It reports RSS growth after warm-up (target < 10 %), writes
 * the curve to bench/results/soak.{json,csv} and the "## Soak" section of bench/RESULTS.md.
 *
 * Usage: npm run build && node bench/soak.js [--no-write]
 * Env: SOAK_DURATION_S (600), SOAK_RPS (40), SOAK_SAMPLE_S (5), SOAK_WARMUP_S (min(120, 20 % of
 * the duration)), SOAK_MAX_IN_FLIGHT (64). Linux only (/proc). Exits 1 when a target is missed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfig, writeConfig } from './lib/config.js';
import { median } from './lib/load.js';
import { freePort, startBenchKeel, startFakeUpstream } from './lib/procs.js';
import { fmt, machineInfo, mdTable, writeResultsSection } from './lib/report.js';
import { BODY, KEEL_HEADERS, STREAM_BODY } from './lib/request.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const PROBE = fileURLToPath(new URL('./lib/runtime-probe.js', import.meta.url));
const SECTION = '## Soak';
const GROWTH_TARGET = 0.1;

const num = (/** @type {string} */ name, /** @type {number} */ dflt) => {
  const v = Number(process.env[name] ?? dflt);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const DURATION_S = num('SOAK_DURATION_S', 600);
const RPS = num('SOAK_RPS', 40);
const SAMPLE_S = num('SOAK_SAMPLE_S', 5);
const WARMUP_S = num('SOAK_WARMUP_S', Math.min(120, DURATION_S * 0.2));
const MAX_IN_FLIGHT = num('SOAK_MAX_IN_FLIGHT', 64);
const WRITE = !process.argv.includes('--no-write');

const log = (/** @type {string} */ msg) => process.stderr.write(`${msg}\n`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} pid */
async function procSample(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (/** @type {string} */ key) =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssMb: field('VmRSS') / 1024, threads: field('Threads'), fds };
}

/**
 * The probe's last line from the main thread, and the heap used by the other threads (the writer
 * thread) from their last lines; null before the first. @param {string} file
 */
async function probeSample(file) {
  try {
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    /** @type {Map<number, any>} */
    const last = new Map();
    for (const l of lines.slice(-20)) {
      const o = JSON.parse(l);
      last.set(o.thread, o);
    }
    const main = last.get(0);
    if (!main) return null;
    let threadsHeap = 0;
    for (const [id, o] of last) if (id !== 0) threadsHeap += o.heapUsed;
    return { ...main, threadsHeap };
  } catch {
    return null;
  }
}

/**
 * @typedef {{ t: number, rssMb: number, heapUsedMb: number, workerHeapMb: number, elP99Ms: number,
 *   handles: number, fds: number, threads: number }} Sample
 */

/** Least-squares slope of y over x. @param {number[]} x @param {number[]} y */
function slope(x, y) {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((x[i] ?? 0) - mx) * ((y[i] ?? 0) - my);
    den += ((x[i] ?? 0) - mx) ** 2;
  }
  return num / den;
}

/** Sends RPS requests a second, paced every 50 ms, until `until`; half of them stream. */
async function load(/** @type {string} */ url, /** @type {number} */ until) {
  const counts = { sent: 0, ok: 0, failed: 0, skipped: 0 };
  let inFlight = 0;
  let owed = 0;
  let n = 0;
  const headers = { ...KEEL_HEADERS, 'content-type': 'application/json' };
  const one = async () => {
    const stream = n++ % 2 === 1;
    inFlight++;
    counts.sent++;
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: stream ? STREAM_BODY : BODY,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.ok && (!stream || text.includes('[DONE]'))) counts.ok++;
      else counts.failed++;
    } catch {
      counts.failed++;
    } finally {
      inFlight--;
    }
  };
  let last = Date.now();
  while (Date.now() < until) {
    await sleep(50);
    const now = Date.now();
    owed += ((now - last) / 1000) * RPS;
    last = now;
    while (owed >= 1) {
      owed--;
      // Past the cap, a call is counted and dropped rather than queued: the rate must stay steady.
      if (inFlight >= MAX_IN_FLIGHT) counts.skipped++;
      else void one();
    }
  }
  while (inFlight > 0) await sleep(50);
  return counts;
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build Keel first: npm run build');
  const machine = machineInfo();
  const tmp = await mkdtemp(join(os.tmpdir(), 'keel-soak-'));
  const probeFile = join(tmp, 'probe.jsonl');
  const upstream = await startFakeUpstream();
  const port = await freePort();
  const configPath = await writeConfig(
    tmp,
    benchConfig(
      { upstreamUrl: upstream.url, dbPath: join(tmp, 'keel.db') },
      { server: { host: '127.0.0.1', port, drain_s: 0, shutdown_grace_s: 5 }, guards: { enabled: true } },
    ),
  );
  log(
    `keel soak: ${DURATION_S} s at ${RPS} req/s (half streaming), warm-up ${WARMUP_S} s, sample every ${SAMPLE_S} s`,
  );
  const keel = await startBenchKeel({
    configPath,
    port,
    spoolDir: join(tmp, 'spool'),
    nodeArgs: ['--import', PROBE],
    env: { ...process.env, KEEL_PROBE_FILE: probeFile, KEEL_PROBE_INTERVAL_MS: String(SAMPLE_S * 1000) },
  });
  const pid = /** @type {number} */ (keel.proc.pid);
  let stderr = '';
  keel.proc.stderr?.on('data', (d) => {
    stderr += d.toString();
  });
  const t0 = Date.now();
  const until = t0 + DURATION_S * 1000;
  const loading = load(keel.url, until);
  /** @type {Sample[]} */
  const curve = [];
  /** Active handles by kind, per sample (for finding a leak's kind); not in the CSV. */
  const handleKinds = [];
  while (Date.now() < until) {
    await sleep(SAMPLE_S * 1000);
    const p = await procSample(pid);
    const probe = await probeSample(probeFile);
    const handles = probe ? Object.values(/** @type {Record<string, number>} */ (probe.handles)) : [];
    /** @type {Sample} */
    const row = {
      t: Math.round((Date.now() - t0) / 1000),
      rssMb: Math.round(p.rssMb * 10) / 10,
      heapUsedMb: probe ? Math.round((probe.heapUsed / 2 ** 20) * 10) / 10 : Number.NaN,
      workerHeapMb: probe ? Math.round((probe.threadsHeap / 2 ** 20) * 10) / 10 : Number.NaN,
      elP99Ms: probe ? Math.round(probe.elP99Ms * 10) / 10 : Number.NaN,
      handles: handles.reduce((a, b) => a + b, 0),
      fds: p.fds,
      threads: p.threads,
    };
    curve.push(row);
    handleKinds.push(probe?.handles ?? {});
    log(
      `t=${row.t}s rss=${row.rssMb} MB heap=${row.heapUsedMb}+${row.workerHeapMb} MB el.p99=${row.elP99Ms} ms handles=${row.handles} fds=${row.fds}`,
    );
  }
  const counts = await loading;
  const exitCode = await keel.stop(20_000);
  const signal = keel.proc.signalCode;
  await upstream.stop();

  const after = curve.filter((r) => r.t >= WARMUP_S);
  const window = Math.max(1, Math.round(60 / SAMPLE_S));
  const startRss = median(after.slice(0, window).map((r) => r.rssMb));
  const endRss = median(after.slice(-window).map((r) => r.rssMb));
  const growth = (endRss - startRss) / startRss;
  const rssSlope = slope(
    after.map((r) => r.t / 60),
    after.map((r) => r.rssMb),
  );
  const heapSlope = slope(
    after.map((r) => r.t / 60),
    after.map((r) => r.heapUsedMb),
  );
  const cleanExit = exitCode === 0 && signal === null && !stderr.includes('Assertion failed');
  const passed = growth < GROWTH_TARGET && cleanExit && counts.failed === 0;
  const summary = {
    date: new Date().toISOString(),
    machine,
    settings: {
      durationS: DURATION_S,
      rps: RPS,
      sampleS: SAMPLE_S,
      warmupS: WARMUP_S,
      maxInFlight: MAX_IN_FLIGHT,
    },
    requests: counts,
    rss: { afterWarmupMb: startRss, endMb: endRss, growth, slopeMbPerMin: rssSlope },
    heapSlopeMbPerMin: heapSlope,
    exit: { code: exitCode, signal, assertion: stderr.includes('Assertion failed') },
    passed,
  };
  log(JSON.stringify({ ...summary, machine: undefined }, null, 2));
  if (WRITE) {
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(
      join(RESULTS_DIR, 'soak.json'),
      `${JSON.stringify({ ...summary, curve, handleKinds }, null, 2)}\n`,
    );
    const cols = /** @type {(keyof Sample)[]} */ ([
      't',
      'rssMb',
      'heapUsedMb',
      'workerHeapMb',
      'elP99Ms',
      'handles',
      'fds',
      'threads',
    ]);
    await writeFile(
      join(RESULTS_DIR, 'soak.csv'),
      `${[cols.join(','), ...curve.map((r) => cols.map((c) => r[c]).join(','))].join('\n')}\n`,
    );
    // One row a minute keeps the table readable; the CSV has every sample.
    const every = Math.max(1, Math.round(60 / SAMPLE_S));
    const rows = curve.filter((_, i) => i % every === every - 1 || i === curve.length - 1);
    const md = [
      SECTION,
      '',
      `Run ${summary.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.nproc} CPUs (shared), ` +
        `${machine.memGb} GB, ${machine.node}, ${machine.os}. \`npm run soak\` (bench/soak.js): ` +
        `${DURATION_S} s at ${RPS} req/s through \`keel start\` (SQLite + writer thread, default guards on, ` +
        'half the calls streaming) against bench/fake-upstream.js; a sample every ' +
        `${SAMPLE_S} s, warm-up ${WARMUP_S} s.`,
      '',
      `- Requests: ${counts.sent} sent, ${counts.ok} ok, ${counts.failed} failed, ${counts.skipped} dropped at the in-flight cap.`,
      `- RSS after warm-up ${fmt(startRss, 1)} MB, at the end ${fmt(endRss, 1)} MB (medians of a minute): ` +
        `growth ${fmt(growth * 100, 1)} % (target < ${GROWTH_TARGET * 100} %): ` +
        `${growth < GROWTH_TARGET ? 'met' : 'MISSED'}. Slope after warm-up ${fmt(rssSlope, 2)} MB/min RSS, ` +
        `${fmt(heapSlope, 2)} MB/min heap used.`,
      `- SIGTERM at the end: exit code ${exitCode}, signal ${signal ?? 'none'}, ` +
        `${summary.exit.assertion ? 'an assertion in stderr' : 'no assertion in stderr'}.`,
      '',
      mdTable(
        [
          't (s)',
          'RSS (MB)',
          'main heap used (MB)',
          'writer thread heap (MB)',
          'event-loop p99 (ms)',
          'active handles (main)',
          'fds',
          'threads',
        ],
        rows.map((r) => [r.t, r.rssMb, r.heapUsedMb, r.workerHeapMb, r.elP99Ms, r.handles, r.fds, r.threads]),
      ),
      '',
      'Every sample: bench/results/soak.csv and soak.json (not committed).',
      '',
    ].join('\n');
    await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, md);
  }
  if (!process.env.SOAK_KEEP) await rm(tmp, { recursive: true, force: true });
  if (!passed) process.exitCode = 1;
}

await main();
