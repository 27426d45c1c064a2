// @ts-check
/**
 * `npm run bench:durability`: what durable recording costs on the request path. Two Keel processes on
 * their own SQLite files, one with the write-ahead spool off (`durability.spool: false`) and one with
 * it on (the default: every usage event, guard decision and request-path audit entry appended to a
 * local file before the response leaves), both in front of the same fake upstream. In each round,
 * spool-off and spool-on runs alternate (the order flips every round) so both see the same machine
 * noise; at c=1 a direct run against the fake upstream gives the added latency, as in bench/run.js.
 * The report quotes medians over rounds and the on/off ratios, and writes the "## Durable recording"
 * section of bench/RESULTS.md.
 *
 * Env: BENCH_DURATION (s per run, default 5), BENCH_ROUNDS (default 3), BENCH_SETTLE (s unrecorded before
 * each run, default 1), BENCH_FSYNC_MS (durability.fsync_interval_ms of the spool-on process, default
 * Keel's 100), BENCH_GUARDS=off, BENCH_KEEP=1 (keep the temp dir).
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfig, writeConfig } from './lib/config.js';
import { loadSettings, median, runLoad } from './lib/load.js';
import { freePort, readCpuSeconds, startBenchKeel, startFakeUpstream, startKeel } from './lib/procs.js';
import {
  fmt,
  loadAvgNow,
  machineInfo,
  mdTable,
  noiseWarning,
  table,
  writeResultsSection,
} from './lib/report.js';
import { BODY, DIRECT_HEADERS, KEEL_HEADERS, STREAM_BODY } from './lib/request.js';
import { checkUsageRows, sanityCheck } from './lib/verify.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTION = '## Durable recording';

const { durationS: DURATION_S, rounds: ROUNDS, settleS: SETTLE_S } = loadSettings(5, 3, 1);
const WARMUP_S = Math.min(2, DURATION_S);
const FSYNC_MS = process.env.BENCH_FSYNC_MS === undefined ? null : Number(process.env.BENCH_FSYNC_MS);
/** Off and on may cost at most this much more than each other before the report flags it. */
const MAX_REGRESSION = 0.1;

/** `direct`: also run against the fake upstream in each round (the added-latency baseline). */
const SCENARIOS = [
  { key: 'c1', label: 'chat, c=1', connections: 1, direct: true },
  { key: 'c64', label: 'chat, c=64', connections: 64, direct: false },
];

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/** @param {string} dir @returns {{ files: number, bytes: number }} what a spool directory holds */
function spoolContents(dir) {
  let files = 0;
  let bytes = 0;
  try {
    for (const name of readdirSync(dir)) {
      if (name === 'LOCK') continue;
      files++;
      bytes += statSync(join(dir, name)).size;
    }
  } catch {
    // never created
  }
  return { files, bytes };
}

/**
 * @typedef {{ key: 'off' | 'on', label: string, dir: string, dbPath: string, spoolDir: string,
 *   keel: Awaited<ReturnType<typeof startKeel>> | null, answered: number, sent: number }} Variant
 */

/** @param {string} tmp @param {string} upstreamUrl @param {'off' | 'on'} key @returns {Promise<Variant>} */
async function startVariant(tmp, upstreamUrl, key) {
  const dir = join(tmp, `spool-${key}`);
  const spoolDir = join(dir, 'spool');
  const dbPath = join(dir, 'keel.db');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const configPath = await writeConfig(
    dir,
    benchConfig(
      { upstreamUrl, port, dbPath },
      {
        guards: { enabled: process.env.BENCH_GUARDS !== 'off' },
        durability:
          key === 'on'
            ? { spool: true, ...(FSYNC_MS === null ? {} : { fsync_interval_ms: FSYNC_MS }) }
            : { spool: false },
      },
    ),
  );
  const keel = await startBenchKeel({ configPath, port, databaseUrl: `sqlite:${dbPath}`, spoolDir });
  const problems = await sanityCheck(keel.url, BODY, STREAM_BODY, KEEL_HEADERS);
  if (problems.length > 0) throw new Error(`pre-check via spool ${key} failed: ${problems.join('; ')}`);
  // The pre-check sent two calls.
  return { key, label: `spool ${key}`, dir, dbPath, spoolDir, keel, answered: 2, sent: 2 };
}

async function main() {
  const machine = machineInfo();
  log(
    `keel durability bench: ${DURATION_S} s per run, ${ROUNDS} rounds, ${machine.nproc} CPUs, node ${machine.node}`,
  );
  const tmp = await mkdtemp(join(os.tmpdir(), 'keel-bench-durability-'));
  const upstream = await startFakeUpstream();
  /** @type {Variant[]} */
  const variants = [];
  let failed = false;
  try {
    variants.push(await startVariant(tmp, upstream.url, 'off'));
    variants.push(await startVariant(tmp, upstream.url, 'on'));
    const [off, on] = /** @type {[Variant, Variant]} */ (variants);
    log(`spool off at ${off.keel?.url}, spool on at ${on.keel?.url}, fake upstream at ${upstream.url}`);

    let failures = 0;
    /** @type {{ target: string, scenario: string, round: number, rps: number, p50: number, p99: number, cpuMsPerReq: number }[]} */
    const runs = [];
    /**
     * @param {Variant | null} v null: direct to the fake upstream
     * @param {(typeof SCENARIOS)[number]} sc @param {number} durationS @param {number} settleS
     */
    const measure = async (v, sc, durationS, settleS) => {
      const pid = v?.keel?.proc.pid ?? 0;
      /** @type {Promise<number | null>} */
      let cpuBefore = Promise.resolve(null);
      const result = await runLoad({
        url: `${v?.keel?.url ?? upstream.url}/v1/chat/completions`,
        body: BODY,
        headers: v ? KEEL_HEADERS : DIRECT_HEADERS,
        connections: sc.connections,
        durationS,
        settleS,
        onMeasureStart: () => {
          if (pid) cpuBefore = readCpuSeconds(pid);
        },
      });
      const cpuAfter = pid ? await readCpuSeconds(pid) : null;
      const cpuAtStart = await cpuBefore;
      if (v) {
        v.answered += result.all.answered;
        v.sent += result.all.sent;
      }
      failures += result.non2xx + result.errors;
      // Let sockets close and the usage writer drain before the next run starts.
      await new Promise((r) => setTimeout(r, 300));
      return {
        result,
        cpuMsPerReq:
          cpuAtStart !== null && cpuAfter !== null && result.completed > 0
            ? ((cpuAfter - cpuAtStart) * 1000) / result.completed
            : Number.NaN,
      };
    };

    log(`warm-up: ${WARMUP_S} s per scenario and target`);
    for (const sc of SCENARIOS)
      for (const v of [...(sc.direct ? [null] : []), off, on]) await measure(v, sc, WARMUP_S, 0);

    for (let round = 1; round <= ROUNDS; round++) {
      for (const sc of SCENARIOS) {
        /** @type {(Variant | null)[]} */
        const pair = round % 2 === 1 ? [off, on] : [on, off];
        const order = sc.direct ? (round % 2 === 1 ? [null, ...pair] : [...pair, null]) : pair;
        for (const v of order) {
          const { result, cpuMsPerReq } = await measure(v, sc, DURATION_S, SETTLE_S);
          const target = v?.key ?? 'direct';
          runs.push({
            target,
            scenario: sc.key,
            round,
            rps: result.rps,
            p50: result.latencyMs.p50,
            p99: result.latencyMs.p99,
            cpuMsPerReq,
          });
          log(
            `  round ${round} ${sc.label} ${v?.label ?? 'direct'}: ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.latencyMs.p50, 3)} ms, p99 ${fmt(result.latencyMs.p99, 3)} ms, CPU ${fmt(cpuMsPerReq, 3)} ms/req`,
          );
        }
      }
    }

    /** @type {string[]} */
    const correctness = [
      'Pre-check: via each process one streaming and one non-streaming call returned the upstream usage unchanged.',
    ];
    for (const v of variants) {
      const code = await v.keel?.stop();
      v.keel = null;
      const usage = await checkUsageRows(v.dbPath, { min: v.answered, max: v.sent });
      if (!usage.ok) failed = true;
      const left = spoolContents(v.spoolDir);
      correctness.push(
        `Spool ${v.key}: exited with code ${code} after SIGTERM; usage rows: ${usage.detail} — ${usage.ok ? 'OK' : 'MISMATCH'}; spool directory after exit: ${left.files} segment file(s), ${left.bytes} bytes.`,
      );
      if (code !== 0) failed = true;
    }
    correctness.push(`Non-2xx answers and connection errors over all runs: ${failures}.`);
    if (failures > 0) failed = true;
    const loadAfter = loadAvgNow();

    /** @param {string} target @param {string} scenario @param {(r: (typeof runs)[number]) => number} f */
    const med = (target, scenario, f) =>
      median(runs.filter((r) => r.target === target && r.scenario === scenario).map(f));
    /**
     * Per round first, then the median: `other(r)` is the same round's run of the other target.
     * @param {string} target @param {string} scenario @param {string} other
     * @param {(r: (typeof runs)[number], o: (typeof runs)[number]) => number} f
     */
    const perRound = (target, scenario, other, f) =>
      median(
        runs
          .filter((r) => r.target === target && r.scenario === scenario)
          .map((r) => {
            const o = runs.find((x) => x.target === other && x.scenario === scenario && x.round === r.round);
            return o ? f(r, o) : Number.NaN;
          }),
      );
    const added = (/** @type {string} */ t, /** @type {'p50' | 'p99'} */ p) =>
      perRound(t, 'c1', 'direct', (r, d) => r[p] - d[p]);

    const head = ['measure', 'spool off', 'spool on', 'on / off'];
    /** @param {string} name @param {number} a @param {number} b @param {number} digits @param {number} ratio */
    const row = (name, a, b, digits, ratio) => [name, fmt(a, digits), fmt(b, digits), fmt(ratio, 2)];
    const rpsRatio = perRound('on', 'c64', 'off', (r, o) => r.rps / o.rps);
    const c1 = {
      offP50: added('off', 'p50'),
      onP50: added('on', 'p50'),
      offP99: added('off', 'p99'),
      onP99: added('on', 'p99'),
    };
    const body = [
      row('added p50 ms, c=1', c1.offP50, c1.onP50, 3, c1.onP50 / c1.offP50),
      row('added p99 ms, c=1', c1.offP99, c1.onP99, 3, c1.onP99 / c1.offP99),
      row(
        'CPU ms/req, c=1',
        med('off', 'c1', (r) => r.cpuMsPerReq),
        med('on', 'c1', (r) => r.cpuMsPerReq),
        3,
        perRound('on', 'c1', 'off', (r, o) => r.cpuMsPerReq / o.cpuMsPerReq),
      ),
      row(
        'req/s, c=64',
        med('off', 'c64', (r) => r.rps),
        med('on', 'c64', (r) => r.rps),
        0,
        rpsRatio,
      ),
      row(
        'p99 ms, c=64',
        med('off', 'c64', (r) => r.p99),
        med('on', 'c64', (r) => r.p99),
        2,
        perRound('on', 'c64', 'off', (r, o) => r.p99 / o.p99),
      ),
      row(
        'CPU ms/req, c=64',
        med('off', 'c64', (r) => r.cpuMsPerReq),
        med('on', 'c64', (r) => r.cpuMsPerReq),
        3,
        perRound('on', 'c64', 'off', (r, o) => r.cpuMsPerReq / o.cpuMsPerReq),
      ),
    ];
    const roundHead = ['scenario', 'round', 'target', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req'];
    const roundBody = runs.map((r) => [
      SCENARIOS.find((s) => s.key === r.scenario)?.label ?? r.scenario,
      r.round,
      r.target === 'direct' ? 'fake upstream, direct' : `spool ${r.target}`,
      fmt(r.rps, 0),
      fmt(r.p50, 3),
      fmt(r.p99, 3),
      r.target === 'direct' ? '—' : fmt(r.cpuMsPerReq, 3),
    ]);
    // The regression check of issue #12: spool on may cost at most 10% of throughput at c=64.
    const rpsOk = rpsRatio >= 1 - MAX_REGRESSION;
    const verdict = Number.isFinite(rpsRatio)
      ? `Throughput at c=64 with the spool on is ${fmt(rpsRatio * 100, 1)}% of spool off (median of per-round ratios): ${rpsOk ? 'within' : 'MORE than'} the ${MAX_REGRESSION * 100}% allowed. Added p50 at c=1 changes by ${fmt((c1.onP50 - c1.offP50) * 1000, 0)} µs.`
      : 'Throughput ratio not measured.';

    process.stdout.write(`\nEvery run\n${table(roundHead, roundBody)}\n`);
    process.stdout.write(`\nMedians over ${ROUNDS} rounds\n${table(head, body)}\n\n${verdict}\n`);
    process.stdout.write(`\nCorrectness\n${correctness.map((c) => `  ${c}`).join('\n')}\n`);
    const noise = noiseWarning({ ...machine, loadAvgAfter: loadAfter });
    if (noise) process.stdout.write(`\n${noise.slice(2)}\n`);

    const fsync = FSYNC_MS === null ? 'default 1000' : String(FSYNC_MS);
    const md = `${SECTION}

Generated by \`npm run bench:durability\` (bench/durability.js) on ${new Date().toISOString()}: ${DURATION_S} s measured per
run after ${SETTLE_S} s unrecorded, ${ROUNDS} rounds, medians over rounds. ${machine.nproc} CPUs (${machine.cpu}),
node ${machine.node}; load average ${machine.loadAvg.join(' / ')} before, ${loadAfter.join(' / ')} after.
${noise ? `\n${noise}\n` : ''}
Two \`node bin/keel.js start\` processes on their own SQLite files, same config as bench/run.js (guards
${process.env.BENCH_GUARDS === 'off' ? 'off' : 'on'}), one with \`durability.spool: false\`, one with the spool on
(\`fsync_interval_ms\` ${fsync}; its own spool directory), against the same fake upstream. Within
each round the spool-off and spool-on runs alternate (the order flips every round); at c=1 a direct
run against the fake upstream gives "added" latency (Keel's percentile minus the direct one, per
round, then the median). "on / off" is the median of per-round ratios.

${mdTable(head, body)}

${verdict}

${mdTable(roundHead, roundBody)}

${correctness.map((c) => `- ${c}`).join('\n')}
`;
    await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, md);
  } catch (err) {
    failed = true;
    log(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const v of variants) if (v.keel) log(`last output of spool ${v.key}:\n${v.keel.output()}`);
  } finally {
    for (const v of variants) await v.keel?.stop();
    await upstream.stop();
    if (process.env.BENCH_KEEP === '1') log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
