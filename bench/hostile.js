// @ts-check
/**
 * `npm run bench:hostile`: does a hostile caller slow everyone else down? One Keel process (SQLite,
 * guards on, tool arguments validated against the caller's schema) in front of the fake upstream.
 * A probe asks `/healthz` every 20 ms from this process while a child process drives one of three
 * loads at c=8:
 *   - idle: no load, the probe alone;
 *   - ordinary: the bench chat call;
 *   - hostile: calls whose tool schema carries the catastrophic pattern `^(?:.|.|…)*X$` (the fake
 *     model calls the tool with 2,000 characters, which a backtracking engine never finishes),
 *     alternating with calls whose schema is `{"$ref":"#"}` (refused with 400 before any upstream call).
 * Phases alternate over rounds (the order flips every round) so they see the same machine noise. The
 * report quotes the probe's p50 / p99 / max per phase (medians over rounds) and writes the
 * "## Hostile callers" section of bench/RESULTS.md. Issue #13 asks for the health check to answer
 * within 50 ms throughout the hostile load.
 *
 * Env: BENCH_DURATION (s per phase, default 8), BENCH_ROUNDS (default 3), BENCH_KEEP=1.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfig, writeConfig } from './lib/config.js';
import { loadSettings, median, percentile, runLoad } from './lib/load.js';
import { freePort, startBenchKeel, startFakeUpstream, startKeel } from './lib/procs.js';
import { fmt, machineInfo, mdTable, table, writeResultsSection } from './lib/report.js';
import { BODY, KEEL_HEADERS, REQUEST } from './lib/request.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION = '## Hostile callers';
const { durationS: DURATION_S, rounds: ROUNDS } = loadSettings(8, 3);
const CONNECTIONS = 8;
const PROBE_EVERY_MS = 20;
const TARGET_MS = 50;

const EVIL = `^(?:${Array(10).fill('.').join('|')})*X$`;
const tool = (/** @type {unknown} */ parameters) => ({
  type: 'function',
  function: { name: 'lookup', description: 'Look a title up.', parameters },
});
const HOSTILE_BODIES = [
  JSON.stringify({
    ...REQUEST,
    tools: [tool({ type: 'object', properties: { q: { type: 'string', pattern: EVIL } }, required: ['q'] })],
  }),
  JSON.stringify({ ...REQUEST, tools: [tool({ $ref: '#' })] }),
];

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/**
 * Child mode: `node bench/hostile.js --load <url> <ordinary|hostile> <seconds>` drives the load and
 * prints a JSON summary, so the load generator's own CPU does not sit on the probe's event loop.
 */
async function loadChild() {
  const [, , , url, kind, seconds] = process.argv;
  const durationS = Number(seconds);
  const bodies = kind === 'hostile' ? HOSTILE_BODIES : [BODY];
  const per = Math.max(1, Math.floor(CONNECTIONS / bodies.length));
  const results = await Promise.all(
    bodies.map((body) =>
      runLoad({
        url: `${url}/v1/chat/completions`,
        body,
        headers: KEEL_HEADERS,
        connections: per,
        durationS,
      }),
    ),
  );
  /** @type {Record<string, number>} */
  const statusCodes = {};
  for (const r of results)
    for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  process.send?.({ sent: results.reduce((a, r) => a + r.sent, 0), statusCodes });
}

/**
 * @param {string} url @param {'idle' | 'ordinary' | 'hostile'} kind
 * @returns {Promise<{ probes: number[], failed: number, load: { sent: number, statusCodes: Record<string, number> } | null }>}
 */
async function phase(url, kind) {
  /** @type {Promise<{ sent: number, statusCodes: Record<string, number> }> | null} */
  let load = null;
  if (kind !== 'idle') {
    const child = fork(fileURLToPath(import.meta.url), ['--load', url, kind, String(DURATION_S)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    load = new Promise((resolve, reject) => {
      child.once('message', (m) =>
        resolve(/** @type {{ sent: number, statusCodes: Record<string, number> }} */ (m)),
      );
      child.once('exit', (code) => reject(new Error(`load child exited (${code}) without a result`)));
    });
    // Let the load reach its steady state before probing.
    await new Promise((r) => setTimeout(r, 1000));
  }
  /** @type {number[]} */
  const probes = [];
  let failed = 0;
  const until = Date.now() + (kind === 'idle' ? DURATION_S : DURATION_S - 2) * 1000;
  while (Date.now() < until) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.ok) probes.push(performance.now() - t0);
      else failed++;
    } catch {
      failed++;
    }
    const wait = PROBE_EVERY_MS - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return { probes, failed, load: load ? await load : null };
}

async function main() {
  const machine = machineInfo();
  log(`keel hostile-caller bench: ${DURATION_S} s per phase, ${ROUNDS} rounds, ${machine.nproc} CPUs`);
  const tmp = await mkdtemp(join(os.tmpdir(), 'keel-bench-hostile-'));
  const upstream = await startFakeUpstream();
  /** @type {Awaited<ReturnType<typeof startKeel>> | null} */
  let keel = null;
  try {
    const port = await freePort();
    const configPath = await writeConfig(
      tmp,
      benchConfig(
        { upstreamUrl: upstream.url, port, dbPath: join(tmp, 'keel.db') },
        {
          guards: {
            enabled: true,
            policies: { default: { tools: { action: 'block', validate_arguments: true } } },
          },
        },
      ),
    );
    keel = await startBenchKeel({ configPath, port, spoolDir: join(tmp, 'spool') });

    /** @type {Record<string, { p50: number[], p99: number[], max: number[], failed: number, codes: Record<string, number> }>} */
    const acc = {};
    const order = /** @type {const} */ (['idle', 'ordinary', 'hostile']);
    for (let round = 0; round < ROUNDS; round++) {
      const phases = round % 2 === 0 ? [...order] : [...order].reverse();
      for (const kind of phases) {
        const r = await phase(keel.url, kind);
        const sorted = [...r.probes].sort((a, b) => a - b);
        acc[kind] ??= { p50: [], p99: [], max: [], failed: 0, codes: {} };
        const a = acc[kind];
        a.p50.push(percentile(sorted, 50));
        a.p99.push(percentile(sorted, 99));
        a.max.push(sorted.at(-1) ?? Number.NaN);
        a.failed += r.failed;
        for (const [code, n] of Object.entries(r.load?.statusCodes ?? {}))
          a.codes[code] = (a.codes[code] ?? 0) + n;
        log(
          `round ${round + 1} ${kind}: /healthz p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted.at(-1) ?? Number.NaN)} ms over ${sorted.length} probes; load ${JSON.stringify(r.load?.statusCodes ?? {})}`,
        );
      }
    }

    const head = ['load (c=8)', '/healthz p50 ms', 'p99 ms', 'max ms', 'probe failures', 'load answers'];
    const rows = order.map((kind) => {
      const a = /** @type {NonNullable<typeof acc[string]>} */ (acc[kind]);
      return [
        kind,
        fmt(median(a.p50)),
        fmt(median(a.p99)),
        fmt(median(a.max)),
        String(a.failed),
        Object.entries(a.codes)
          .map(([c, n]) => `${n}×${c}`)
          .join(', ') || '—',
      ];
    });
    const hostile = /** @type {NonNullable<typeof acc[string]>} */ (acc.hostile);
    const worstMax = Math.max(...hostile.max);
    // The slowest probe of a phase is one sample, and a shared machine adds its own stalls (the
    // ordinary phase shows them too): the target is judged on the median over rounds of each
    // phase's slowest probe, and the single worst one is quoted beside it.
    const typicalMax = median(hostile.max);
    const ordinaryMax = median(/** @type {NonNullable<typeof acc[string]>} */ (acc.ordinary).max);
    const ok = typicalMax < TARGET_MS && hostile.failed === 0;
    process.stdout.write(`${table(head, rows)}\n`);
    const md = [
      SECTION,
      '',
      `\`npm run bench:hostile\` (${new Date().toISOString().slice(0, 10)}; ${machine.cpu}, ${machine.nproc} CPUs, node ${machine.node}, load average at start ${machine.loadAvg.join(' ')}). A probe asks \`/healthz\` every ${PROBE_EVERY_MS} ms while c=${CONNECTIONS} callers send ordinary chat calls or hostile ones: a tool schema with \`${EVIL}\`, which the fake model answers by calling the tool with 2,000 characters (a backtracking engine never finishes; Keel validates it with its linear-time engine), alternating with \`{"$ref":"#"}\` schemas (400 before any upstream call). ${DURATION_S} s phases, ${ROUNDS} rounds, medians over rounds:`,
      '',
      mdTable(head, rows),
      '',
      `Slowest probe during hostile load, median over rounds: ${fmt(typicalMax)} ms (ordinary load: ${fmt(ordinaryMax)} ms; target under ${TARGET_MS} ms) — ${ok ? 'met' : 'NOT met'}. The single slowest probe of any hostile round: ${fmt(worstMax)} ms.`,
      '',
    ].join('\n');
    await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, md);
    if (!ok) process.exitCode = 1;
  } finally {
    await keel?.stop();
    await upstream.stop();
    if (process.env.BENCH_KEEP !== '1') await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') await loadChild();
else await main();
