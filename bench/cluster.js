// @ts-check
/**
 * `npm run bench:cluster`: throughput and added latency of Keel replicas on PostgreSQL behind nginx
 * (deploy/nginx/keel.conf), with 1, 2 and 3 replicas, and of one replica without nginx as a
 * baseline; "added" is against calling the fake upstream directly, as in bench/run.js. Every target
 * is measured once per round, in a rotating order; the report quotes medians over rounds.
 *
 * Needs a PostgreSQL server (KEEL_BENCH_POSTGRES_URL, else KEEL_TEST_POSTGRES_URL: a fresh database is
 * created on it and dropped afterwards) and nginx. Env: BENCH_DURATION (s per run, default 4),
 * BENCH_ROUNDS (default 2), BENCH_SETTLE (s unrecorded before each run, default 1).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchConfig, writeConfig } from './lib/config.js';
import { loadSettings, median, runLoad } from './lib/load.js';
import { findBinary, startNginx } from './lib/nginx.js';
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
import { CLIENT_KEY, DIRECT_HEADERS } from './lib/request.js';
import { sanityCheck } from './lib/verify.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE = join(ROOT, 'deploy', 'nginx', 'keel.conf');

const { durationS: DURATION_S, rounds: ROUNDS, settleS: SETTLE_S } = loadSettings(4, 2, 1);
const REPLICAS = 3;

const REQUEST = {
  model: 'bench-model',
  messages: [
    { role: 'system', content: 'You are a concise assistant for an online bookshop.' },
    {
      role: 'user',
      content: "Does the paperback of 'The Left Hand of Darkness' ship to Norway? Two sentences.",
    },
  ],
  max_tokens: 120,
  temperature: 0.2,
};
const BODY = JSON.stringify(REQUEST);
const STREAM_BODY = JSON.stringify({ ...REQUEST, stream: true, stream_options: { include_usage: true } });
const KEEL_HEADERS = { authorization: `Bearer ${CLIENT_KEY}`, 'x-keel-use-case': 'bench' };

const SCENARIOS = [
  { key: 'c1', label: 'chat, c=1', connections: 1 },
  { key: 'c64', label: 'chat, c=64', connections: 64 },
];

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

/** @param {string} upstreamUrl */
function keelConfig(upstreamUrl) {
  return benchConfig(
    { upstreamUrl },
    {
      // A team budget far above what the bench spends: every call is admitted under it through the
      // shared counters in PostgreSQL, as a call under a budget is in production.
      // BENCH_CLUSTER_BUDGET=0 leaves it out, to tell the shared counters' cost from the rest.
      budgets:
        process.env.BENCH_CLUSTER_BUDGET === '0'
          ? []
          : [{ scope: 'team', id: 'platform', usd: 1_000_000, period: 'month' }],
      // Replicas lease slices of the budget (limits.budget_lease_fraction, default 0.05);
      // BENCH_CLUSTER_LEASE=0 reserves and settles every call in PostgreSQL instead.
      ...(process.env.BENCH_CLUSTER_LEASE === '0' ? { limits: { budget_lease_fraction: 0 } } : {}),
    },
  );
}

/** @param {string} serverUrl */
async function createDatabase(serverUrl) {
  const name = `keel_bench_cluster_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    /** @param {string} sql */
    async scalar(sql) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return Number(Object.values((await c.query(sql)).rows[0] ?? {})[0]);
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function main() {
  const serverUrl = process.env.KEEL_BENCH_POSTGRES_URL ?? process.env.KEEL_TEST_POSTGRES_URL;
  const nginxBin = findBinary('nginx');
  if (!serverUrl || !nginxBin) {
    log(
      'bench:cluster needs KEEL_BENCH_POSTGRES_URL (or KEEL_TEST_POSTGRES_URL) and nginx; nothing measured',
    );
    process.exitCode = 2;
    return;
  }
  /** @type {ReturnType<typeof machineInfo> & { loadAvgAfter?: number[] }} */
  const machine = machineInfo();
  log(
    `keel cluster bench: ${DURATION_S} s per run, ${ROUNDS} rounds, ${machine.nproc} CPUs, node ${machine.node}`,
  );
  const tmp = await mkdtemp(join(os.tmpdir(), 'keel-bench-cluster-'));
  const db = await createDatabase(serverUrl);
  /** @type {(() => Promise<unknown>)[]} */
  const cleanup = [() => rm(tmp, { recursive: true, force: true }), () => db.drop()];
  try {
    const upstream = await startFakeUpstream();
    cleanup.unshift(() => upstream.stop());
    const configPath = await writeConfig(tmp, keelConfig(upstream.url));

    /** @type {Awaited<ReturnType<typeof startKeel>>[]} */
    const replicas = [];
    for (let i = 0; i < REPLICAS; i++) {
      const port = await freePort();
      // One at a time: each start-up migrates, and the first does it on an empty database.
      const keel = await startBenchKeel({
        configPath,
        port,
        databaseUrl: db.url,
        // The spool's lock file allows one process per directory: each replica gets its own.
        spoolDir: join(tmp, `spool-${i}`),
      });
      replicas.push(keel);
      cleanup.unshift(() => keel.stop());
    }
    const ports = replicas.map((r) => Number(new URL(r.url).port));

    /** @type {{ key: string, label: string, url: string, headers: Record<string, string>, pids: number[] }[]} */
    const targets = [
      { key: 'direct', label: 'fake upstream, direct', url: upstream.url, headers: DIRECT_HEADERS, pids: [] },
      {
        key: 'keel1',
        label: '1 replica, no nginx',
        url: replicas[0]?.url ?? '',
        headers: KEEL_HEADERS,
        pids: [replicas[0]?.proc.pid ?? 0],
      },
    ];
    for (let n = 1; n <= REPLICAS; n++) {
      const dir = join(tmp, `nginx-${n}`);
      await mkdir(dir, { recursive: true });
      const nginx = await startNginx({
        binary: nginxBin,
        template: TEMPLATE,
        dir,
        port: await freePort(),
        replicas: ports.slice(0, n),
      });
      cleanup.unshift(() => nginx.stop());
      targets.push({
        key: `nginx${n}`,
        label: `nginx + ${n} replica${n > 1 ? 's' : ''}`,
        url: nginx.url,
        headers: KEEL_HEADERS,
        pids: replicas.slice(0, n).map((r) => r.proc.pid ?? 0),
      });
    }

    /** @type {string[]} */
    const correctness = [];
    for (const t of targets.slice(1)) {
      const problems = await sanityCheck(t.url, BODY, STREAM_BODY, KEEL_HEADERS);
      if (problems.length > 0) throw new Error(`pre-check via ${t.label} failed: ${problems.join('; ')}`);
    }
    correctness.push(
      'Pre-check: via each target one streaming and one non-streaming call returned the upstream usage unchanged.',
    );

    let answeredViaKeel = 8; // the pre-checks
    let sentViaKeel = 8;
    let failures = 0;
    /** @type {{ target: string, scenario: string, round: number, rps: number, p50: number, p99: number, cpuMsPerReq: number }[]} */
    const runs = [];
    /** @param {(typeof targets)[number]} t @param {(typeof SCENARIOS)[number]} sc @param {number} durationS @param {number} settleS */
    const measure = async (t, sc, durationS, settleS) => {
      /** @type {Promise<(number | null)[]>} */
      /** @type {Promise<(number | null)[]>} */
      let cpuBefore = Promise.resolve([]);
      const result = await runLoad({
        url: `${t.url}/v1/chat/completions`,
        body: BODY,
        headers: t.headers,
        connections: sc.connections,
        durationS,
        settleS,
        onMeasureStart: () => {
          cpuBefore = Promise.all(t.pids.map(readCpuSeconds));
        },
      });
      const after = await Promise.all(t.pids.map(readCpuSeconds));
      const before = await cpuBefore;
      let cpu = 0;
      for (const [i, v] of after.entries()) cpu += (v ?? Number.NaN) - (before[i] ?? Number.NaN);
      if (t.key !== 'direct') {
        answeredViaKeel += result.all.answered;
        sentViaKeel += result.all.sent;
      }
      failures += result.non2xx + result.errors;
      await new Promise((r) => setTimeout(r, 300));
      return {
        result,
        cpuMsPerReq: t.pids.length && result.completed ? (cpu * 1000) / result.completed : Number.NaN,
      };
    };

    log('warm-up: 1 s per target and scenario');
    for (const t of targets) for (const sc of SCENARIOS) await measure(t, sc, 1, 0);
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotate the order so no target always runs right after the same one.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const sc of SCENARIOS) {
        for (const t of order) {
          if (!t) continue;
          const { result, cpuMsPerReq } = await measure(t, sc, DURATION_S, SETTLE_S);
          runs.push({
            target: t.key,
            scenario: sc.key,
            round,
            rps: result.rps,
            p50: result.latencyMs.p50,
            p99: result.latencyMs.p99,
            cpuMsPerReq,
          });
          log(
            `  round ${round} ${sc.label} ${t.label}: ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.latencyMs.p50, 3)} ms, p99 ${fmt(result.latencyMs.p99, 3)} ms`,
          );
        }
      }
    }

    for (const stop of cleanup.splice(0, cleanup.length - 2)) await stop(); // flushes every replica's usage
    const rows = await db.scalar('select count(*) from usage_events');
    // Calls cut at the end of a run may have been answered by Keel without autocannon seeing it.
    const usageOk = rows >= answeredViaKeel && rows <= sentViaKeel;
    correctness.push(
      `Usage rows in PostgreSQL: ${rows}; Keel answered at least ${answeredViaKeel} and was sent at most ${sentViaKeel} calls (warm-up included) — ${usageOk ? 'OK' : 'MISMATCH'}.`,
    );
    correctness.push(`Non-2xx answers and connection errors over all runs: ${failures}.`);
    machine.loadAvgAfter = loadAvgNow();

    /** @param {string} target @param {string} scenario @param {(r: (typeof runs)[number]) => number} f */
    const med = (target, scenario, f) =>
      median(runs.filter((r) => r.target === target && r.scenario === scenario).map(f));
    /** Added latency per round first, then the median: both runs of a round saw the same machine noise. */
    /** @param {string} target @param {string} scenario @param {'p50' | 'p99'} p */
    const added = (target, scenario, p) =>
      median(
        runs
          .filter((r) => r.target === target && r.scenario === scenario)
          .map(
            (r) =>
              r[p] -
              (runs.find((d) => d.target === 'direct' && d.scenario === scenario && d.round === r.round)?.[
                p
              ] ?? Number.NaN),
          ),
      );
    const head = [
      'target',
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'added p50 ms',
      'added p99 ms',
      'Keel CPU ms/req',
    ];
    const body = [];
    for (const sc of SCENARIOS)
      for (const t of targets)
        body.push([
          t.label,
          sc.label,
          fmt(
            med(t.key, sc.key, (r) => r.rps),
            0,
          ),
          fmt(
            med(t.key, sc.key, (r) => r.p50),
            3,
          ),
          fmt(
            med(t.key, sc.key, (r) => r.p99),
            3,
          ),
          t.key === 'direct' ? '—' : fmt(added(t.key, sc.key, 'p50'), 3),
          t.key === 'direct' ? '—' : fmt(added(t.key, sc.key, 'p99'), 3),
          t.key === 'direct'
            ? '—'
            : fmt(
                med(t.key, sc.key, (r) => r.cpuMsPerReq),
                3,
              ),
        ]);
    process.stdout.write(`\n${table(head, body)}\n\n`);
    const md = `## Cluster: replicas on PostgreSQL behind nginx

Generated by \`npm run bench:cluster\` (bench/cluster.js) on ${new Date().toISOString()}: ${DURATION_S} s measured per
run after ${SETTLE_S} s unrecorded, ${ROUNDS} rounds, medians over rounds. ${machine.nproc} CPUs (${machine.cpu}),
node ${machine.node}; load average ${machine.loadAvg.join(' / ')} before, ${(machine.loadAvgAfter ?? []).join(' / ')} after.
${noiseWarning(machine) ? `\n${noiseWarning(machine)}\n` : ''}
Every replica is \`node bin/keel.js start\` on one PostgreSQL database, usage recording on; nginx runs
deploy/nginx/keel.conf (one worker). The fake upstream, every replica, nginx and autocannon are
separate processes on the same machine, so with more replicas than CPUs the replicas compete with
each other and with the load generator: these numbers show the cost of the topology on this
machine, not how it scales on dedicated hosts. "Added" is the target's percentile minus the direct
percentile of the same round. "Keel CPU ms/req" sums the CPU time of the replicas behind the target.

${mdTable(head, body)}

${correctness.map((c) => `- ${c}`).join('\n')}
`;
    await writeResultsSection(
      join(ROOT, 'bench', 'RESULTS.md'),
      '## Cluster: replicas on PostgreSQL behind nginx',
      md,
    );
  } finally {
    for (const stop of cleanup) await stop().catch((/** @type {Error} */ e) => log(`cleanup: ${e.message}`));
  }
}

await main();
