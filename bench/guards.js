// @ts-check
/**
 * `npm run bench:guards`: what the default guard policy costs: detector latency on a 2 KB and a 100 KB
 * prompt (issue 15: the input set at p99 ≤ 1 ms for 2 KB), then gateway throughput at c=64.
 *
 * `npm run bench` runs guards on or off per invocation, so an on-vs-off comparison spans minutes of a
 * shared machine's drift: the same build gave on÷off 0.87 one evening and 0.74 the next. Here two
 * Keel processes run side by side in front of one fake upstream, one with the default guard policy
 * and one with guards off. Short load windows alternate between them (on, off, off, on, …), so each
 * pair sees the same machine. The idle process uses no CPU meanwhile. The report quotes the
 * median over pairs of on÷off throughput and of the Keel CPU per request difference.
 *
 * Env: BENCH_PAIRS (default 12), BENCH_WINDOW (s per window, default 4), BENCH_CONNECTIONS (default 64),
 * BENCH_CPU_PROF=1 (V8 CPU profiles of both processes into bench/results/), BENCH_AA=1 (guards off in
 * both: the spread the pairing shows with no difference at all; RESULTS.md is left alone).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfig, writeConfig } from './lib/config.js';
import { median, runLoad } from './lib/load.js';
import { freePort, readCpuSeconds, startBenchKeel, startFakeUpstream } from './lib/procs.js';
import { fmt, loadAvgNow, machineInfo, mdTable, writeResultsSection } from './lib/report.js';
import { BODY, KEEL_HEADERS, REQUEST } from './lib/request.js';

/** The input detectors of the default policy together, for a 2 KB prompt (issue 15). */
const INPUT_SET = 'input (injection+pii+secrets)';
const INPUT_P99_TARGET_MS = 1;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SECTION = '## Guard cost';
/** @param {string | undefined} v @param {number} dflt */
const positive = (v, dflt) => (v && Number(v) > 0 ? Number(v) : dflt);
const PAIRS = Math.round(positive(process.env.BENCH_PAIRS, 12));
const WINDOW_S = positive(process.env.BENCH_WINDOW, 4);
const CONNECTIONS = Math.round(positive(process.env.BENCH_CONNECTIONS, 64));
/** Both processes with guards off: what the pairing reads when there is no difference (noise floor). */
const CALIBRATE = process.env.BENCH_AA === '1';
/** Issue 15: guards on may cost at most 5 % of throughput at c=64. */
const TARGET_RATIO = 0.95;

/** User turns of the conversation scenario: the new message and seven before it, with their answers. */
const TURNS = 8;
const EARLIER_QUESTIONS = [
  'Can I pay with a gift card and a credit card on the same order, or only one of them?',
  'What is your returns policy for books that arrived with a damaged cover?',
  'Do you have the hardback edition in stock, and is it signed by the author?',
  'Could you recommend two similar novels for a reader who liked this one?',
  'How do I change the delivery address after the order was placed?',
  'Is there a discount for ordering ten copies for a book club?',
  'Which courier do you use for Scandinavian deliveries, and can I track the parcel?',
];
const EARLIER_ANSWER =
  'Yes. Orders can be changed until they are dispatched, and you will get an email with the details.';

/**
 * The request bodies of each scenario. The user's newest message differs on every request, as it
 * does in real traffic: Keel remembers the detector results of texts it has screened, and the same
 * message sent over and over would measure that memo instead of the screening.
 * @param {number} turns
 * @returns {() => string}
 */
function bodies(turns) {
  const [system, user] = REQUEST.messages;
  /** @type {Array<{ role: string, content: string }>} */
  const earlier = [];
  for (let t = 0; t < turns - 1; t++)
    earlier.push(
      { role: 'user', content: EARLIER_QUESTIONS[t % EARLIER_QUESTIONS.length] ?? '' },
      { role: 'assistant', content: EARLIER_ANSWER },
    );
  let n = 0;
  return () =>
    JSON.stringify({
      ...REQUEST,
      messages: [system, ...earlier, { role: 'user', content: `${user?.content} (order ${++n})` }],
    });
}

/** A fetched web page of about 49 KB: what an agent's tool returned in an earlier step. */
const PAGE = 'Opening hours are nine to five on weekdays; the shop is closed on public holidays. '.repeat(
  600,
);

/**
 * An agent's next step: the question, the earlier tool call and its 49 KB result, resent as agents
 * do, and a new short tool result (unique per request).
 * @returns {() => string}
 */
function agentBodies() {
  const [system] = REQUEST.messages;
  /** @param {string} id */
  const call = (id) => ({
    role: 'assistant',
    content: null,
    tool_calls: [
      { id, type: 'function', function: { name: 'fetch_page', arguments: '{"url":"https://shop.example"}' } },
    ],
  });
  let n = 0;
  return () =>
    JSON.stringify({
      ...REQUEST,
      messages: [
        system,
        { role: 'user', content: 'When is the shop open? Check its website and the opening-hours page.' },
        call('call_1'),
        { role: 'tool', tool_call_id: 'call_1', content: PAGE },
        call('call_2'),
        { role: 'tool', tool_call_id: 'call_2', content: `Page ${++n}: nothing new here, the same hours.` },
      ],
    });
}

/** @typedef {{ name: string, nextBody: () => string }} Scenario */
/** @type {Scenario[]} */
const SCENARIOS = [
  { name: 'one user turn', nextBody: bodies(1) },
  {
    name: `${TURNS} user turns (the conversation so far resent, as chat clients do)`,
    nextBody: bodies(TURNS),
  },
  { name: "an agent's step (its earlier 49 KB tool result resent)", nextBody: agentBodies() },
];

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/**
 * @param {string} tmp @param {string} upstreamUrl @param {'on' | 'off'} guards
 */
async function startVariant(tmp, upstreamUrl, guards) {
  const port = await freePort();
  const dbPath = join(tmp, `keel-${guards}.db`);
  const configPath = await writeConfig(
    tmp,
    benchConfig({ upstreamUrl, port, dbPath }, { guards: { enabled: guards === 'on' && !CALIBRATE } }),
    `keel.guards-${guards}.yaml`,
  );
  return startBenchKeel({
    configPath,
    port,
    databaseUrl: `sqlite:${dbPath}`,
    spoolDir: join(tmp, `spool-${guards}`),
    nodeArgs: process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR] : [],
  });
}

/**
 * One load window against one Keel: 2xx per second and Keel's CPU ms per answered request.
 * @param {{ url: string, proc: import('node:child_process').ChildProcess }} keel @param {number} durationS
 * @param {() => string} nextBody
 */
async function window(keel, durationS, nextBody) {
  const pid = keel.proc.pid ?? 0;
  /** @type {Promise<number | null>} */
  let before = Promise.resolve(null);
  const result = await runLoad({
    url: `${keel.url}/v1/chat/completions`,
    body: BODY,
    nextBody,
    headers: KEEL_HEADERS,
    connections: CONNECTIONS,
    durationS,
    settleS: 1,
    onMeasureStart: () => {
      before = readCpuSeconds(pid);
    },
  });
  const after = await readCpuSeconds(pid);
  const start = await before;
  const cpuMsPerReq =
    after !== null && start !== null && result.completed > 0
      ? ((after - start) * 1000) / result.completed
      : Number.NaN;
  // Let sockets close and the usage writer drain before the other process is loaded.
  await new Promise((r) => setTimeout(r, 300));
  return { rps: result.rps, cpuMsPerReq, failed: result.non2xx + result.errors };
}

/** @typedef {{ rps: number, cpuMsPerReq: number, failed: number }} WindowResult */
/** @typedef {{ on: WindowResult, off: WindowResult }} Pair */

/** Medians over pairs: req/s each side, on÷off with its middle half, and Keel CPU per request on − off. */
/** @param {Pair[]} pairs */
function summarize(pairs) {
  const ratios = pairs.map((p) => p.on.rps / p.off.rps).sort((a, b) => a - b);
  const q = (/** @type {number} */ i) => fmt(ratios[i] ?? Number.NaN, 3);
  return {
    rpsOn: median(pairs.map((p) => p.on.rps)),
    rpsOff: median(pairs.map((p) => p.off.rps)),
    ratio: median(ratios),
    middle: `${q(Math.floor(ratios.length / 4))}–${q(Math.ceil((3 * ratios.length) / 4) - 1)}`,
    cpuDelta: median(pairs.map((p) => p.on.cpuMsPerReq - p.off.cpuMsPerReq)),
  };
}

/**
 * Detector latency in this process (built code, as the gateway runs it), before any load starts.
 * @returns {Promise<{ md: string, inputP99: number }>}
 */
async function detectorLatency() {
  /** @type {{ benchmarkDetectors: (o?: { sizes?: number[] }) => Array<{ detector: string, bytes: number, iterations: number, p50Ms: number, p99Ms: number }> }} */
  const { benchmarkDetectors } = await import('#keel/guards/bench.js');
  const results = benchmarkDetectors({ sizes: [2048, 100 * 1024] });
  const inputP99 = results.find((r) => r.detector === INPUT_SET && r.bytes === 2048)?.p99Ms ?? Number.NaN;
  const md = mdTable(
    ['detectors', 'prompt', 'iterations', 'p50 ms', 'p99 ms'],
    results.map((r) => [
      r.detector,
      r.bytes >= 1024 ? `${Math.round(r.bytes / 1024)} KB` : `${r.bytes} B`,
      r.iterations,
      fmt(r.p50Ms, 3),
      fmt(r.p99Ms, 3),
    ]),
  );
  return { md, inputP99 };
}

async function main() {
  const machine = machineInfo();
  const loadBefore = loadAvgNow();
  const tmp = await mkdtemp(join(os.tmpdir(), 'keel-bench-guards-'));
  await mkdir(RESULTS_DIR, { recursive: true });
  log('detector latency: 2 KB and 100 KB prompts');
  const latency = await detectorLatency();
  log(`guard cost: ${PAIRS} pairs of ${WINDOW_S} s windows at c=${CONNECTIONS}, ${machine.nproc} CPUs`);
  const upstream = await startFakeUpstream();
  /** @type {Record<'on' | 'off', Awaited<ReturnType<typeof startBenchKeel>> | null>} */
  const keel = { on: null, off: null };
  try {
    keel.on = await startVariant(tmp, upstream.url, 'on');
    keel.off = await startVariant(tmp, upstream.url, 'off');
    const procs = { on: keel.on, off: keel.off };
    /** @type {Array<{ scenario: Scenario, pairs: Pair[] }>} */
    const runs = [];
    let failed = 0;
    for (const scenario of SCENARIOS) {
      log(`scenario: ${scenario.name}`);
      for (const v of /** @type {const} */ (['on', 'off'])) await window(procs[v], 2, scenario.nextBody);
      /** @type {Pair[]} */
      const pairs = [];
      for (let i = 0; i < PAIRS; i++) {
        // ABBA order: neither side always runs first, after the other's load.
        /** @type {('on' | 'off')[]} */
        const order = i % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
        const got = /** @type {Pair} */ ({});
        for (const v of order) got[v] = await window(procs[v], WINDOW_S, scenario.nextBody);
        failed += got.on.failed + got.off.failed;
        pairs.push(got);
        log(
          `pair ${i + 1}: on ${fmt(got.on.rps, 0)} req/s (${fmt(got.on.cpuMsPerReq, 3)} ms CPU), ` +
            `off ${fmt(got.off.rps, 0)} req/s (${fmt(got.off.cpuMsPerReq, 3)} ms CPU), ` +
            `on÷off ${fmt(got.on.rps / got.off.rps, 3)}`,
        );
      }
      runs.push({ scenario, pairs });
    }
    const summaries = runs.map(({ scenario, pairs }) => ({ scenario, ...summarize(pairs) }));
    const first = summaries[0];
    const md = [
      SECTION,
      '',
      `\`npm run bench:guards\` (${new Date().toISOString().slice(0, 10)}; ${machine.cpu}, ${machine.nproc} CPUs, ` +
        `node ${machine.node}, load average at start ${loadBefore.join(' ')}).`,
      '',
      '**Detector latency** (`benchmarkDetectors()` of src/guards/bench.ts on the built code, one process, ' +
        'no load; "input" is the default input set):',
      '',
      latency.md,
      '',
      `Issue 15's target, input screening of a 2 KB prompt at p99 ≤ ${INPUT_P99_TARGET_MS} ms: ` +
        `${latency.inputP99 <= INPUT_P99_TARGET_MS ? 'met' : 'NOT met'} (${fmt(latency.inputP99, 3)} ms).`,
      '',
      '**Throughput, guards on vs off.** ' +
        `Two Keel processes in front of one fake ` +
        `upstream, the default guard policy on in one and guards off in the other, ${PAIRS} pairs of ` +
        `${WINDOW_S} s windows at c=${CONNECTIONS} in ABBA order per scenario. The request is the chat ` +
        'request of `npm run bench` with the user message made unique per request.',
      '',
      mdTable(
        [
          'scenario',
          'req/s on',
          'req/s off',
          'on ÷ off (median of pairs)',
          'middle half of pairs',
          'Keel CPU ms/req on − off',
        ],
        summaries.map((r) => [
          r.scenario.name,
          fmt(r.rpsOn, 0),
          fmt(r.rpsOff, 0),
          fmt(r.ratio, 3),
          r.middle,
          `${r.cpuDelta >= 0 ? '+' : '−'}${fmt(Math.abs(r.cpuDelta), 3)}`,
        ]),
      ),
      '',
      `Issue 15's target, guards on costing ≤ 5 % of throughput (on ÷ off ≥ ${TARGET_RATIO}), one user turn: ` +
        `${first && first.ratio >= TARGET_RATIO ? 'met' : 'NOT met'} (${fmt((1 - (first?.ratio ?? 0)) * 100, 1)} %). ` +
        `Failed requests: ${failed}.`,
      '',
    ].join('\n');
    process.stdout.write(`${md}\n`);
    if (CALIBRATE) log('BENCH_AA=1: both processes ran with guards off; RESULTS.md left alone');
    else await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, md);
    if (failed > 0) process.exitCode = 1;
  } finally {
    for (const k of [keel.on, keel.off]) await k?.stop();
    await upstream.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
