/**
 * Value queries over 10M usage events: bulk-loads N usage events (default 10,000,000) spread over
 * 90 days into a temp SQLite store, plus outcomes, then times the rollup build, an incremental
 * rollup pass, the value report at several granularities, forecasts, alert evaluation, the
 * retention purge, and (for contrast) a summary straight off the raw events. Writes the
 * "## Value queries over 10M events" section of bench/RESULTS.md and bench/results/rollups.json.
 *
 * Usage: npm run build && node bench/rollups.js [--events 10000000] [--days 90] [--keep] [--no-purge]
 *        [--chunk N (build)] [--inc-chunk N (incremental pass)] [--no-write] [--write-only]
 * Runs on dist/ (plain ESM), so build first.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memoryAudit } from '#keel/access/memory-audit.js';
import { parseConfig } from '#keel/config/load.js';
import { seeded } from '#keel/prng.js';
import { openDatabase, sqliteHandleOf } from '#keel/store/db.js';
import { createRollupJob } from '#keel/store/rollups/job.js';
import { usageEvent } from '#keel/store/usage-event.js';
import * as usageQueries from '#keel/store/usage-queries.js';
import { prepareRowInsert, rowValues, toRow } from '#keel/store/usage-rows.js';
import { readUsage } from '#keel/value/rollups/read.js';
import { createValueService } from '#keel/value/service.js';
import { loadAvgNow, runStamp, writeResultsSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Imported (bench/command-room.js reuses the generator) rather than run: no CLI, no main(). */
const IS_MAIN = !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
const { values: args } = parseArgs({
  args: IS_MAIN ? process.argv.slice(2) : [],
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    keep: { type: 'boolean', default: false },
    'no-purge': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    chunk: { type: 'string', default: '100000' },
    'inc-chunk': { type: 'string' },
    /** Rewrite the RESULTS.md section from bench/results/rollups.json without measuring again. */
    'write-only': { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const DAYS = Number(args.days);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECTION = '## Value queries over 10M events';
let loadBefore = [0, 0, 0];

/**
 * @typedef {{ label: string, median_ms: number, max_ms: number, runs: number }} QueryTime
 * @typedef {{ date: string, node: string, cpus: number, cpu: string, load_average: number[],
 *   events: number, days: number, outcomes: number, load_s: number, rollup_build_s: number,
 *   rollup_rows: { hourly: number, daily: number, users: number }, incremental_chunk: number,
 *   incremental_ms_per_chunk: number, incremental_longest_step_ms: number, queries: QueryTime[],
 *   reconciled: boolean, purge: { deleted: number, seconds: number, unchanged: boolean } | null,
 *   db_mb: number }} RollupsResults
 */

/** Keel's deterministic PRNG (mulberry32), so every run loads the same data. */
const rand = seeded(42);
/**
 * @template T
 * @typedef {{ items: [T, number][], total: number }} Weighted
 */
/** @template T @param {Weighted<T>} weights @returns {T} */
const pick = (weights) => {
  let r = rand() * weights.total;
  for (const [v, w] of weights.items) {
    r -= w;
    if (r <= 0) return v;
  }
  return at(weights.items, weights.items.length - 1)[0];
};
/** @template T @param {readonly T[]} list @param {number} i @returns {T} */
function at(list, i) {
  const v = list[i];
  if (v === undefined) throw new Error(`no element ${i}`);
  return v;
}
/** @template T @param {[T, number][]} items @returns {Weighted<T>} */
const weighted = (items) => ({ items, total: items.reduce((a, [, w]) => a + w, 0) });

/** @type {[name: string, provider: string, price: number | null, latencyMs: number][]} */
const MODELS = [
  // name, provider, $/call mean, base latency ms (null price = unpriced)
  ['gpt-4o', 'openai', 0.012, 1400],
  ['gpt-4o-mini', 'openai', 0.0009, 700],
  ['claude-sonnet', 'anthropic', 0.015, 1800],
  ['claude-haiku', 'anthropic', 0.0012, 600],
  ['embed-small', 'openai', 0.00002, 80],
  ['local-llama', 'vllm', null, 900],
];
const USE_CASES = [
  'support-bot',
  'sales-drafts',
  'doc-search',
  'code-review',
  'invoice-extract',
  'hr-faq',
  'legal-summary',
  'marketing-copy',
  'churn-insights',
  'translation',
  'meeting-notes',
  'shared-embeddings',
].map((id, i) => ({
  id,
  weight: 1 / (i + 1),
  team: ['cx', 'sales', 'platform', 'eng', 'finance', 'people', 'legal', 'marketing'][i % 8],
  keys: Array.from({ length: 2 + (i % 4) }, (_, k) => `key_${id}_${k}`),
  models: weighted(
    id === 'shared-embeddings'
      ? [[4, 1]]
      : i % 5 === 2
        ? [
            [5, 2],
            [1, 5],
            [3, 3],
          ]
        : [
            [0, 2],
            [1, 5],
            [2, 1],
            [3, 3],
          ],
  ),
  users: 100 + ((i * 137) % 600),
}));
const UC = weighted(USE_CASES.map((u) => [u, u.weight]));

/** The store's own row mapping, so the bulk load writes what the gateway would. */
/** @param {import('#keel/store/usage-event.js').UsageEventFields} e */
const usageRow = (e) => rowValues(toRow(usageEvent(e)));

function gauss() {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * @template R
 * @param {string} label @param {() => Promise<R>} fn
 * @returns {Promise<{ row: QueryTime, result: R }>}
 */
async function timed(label, fn, runs = 5) {
  await fn(); // warm-up (page cache, statement cache)
  /** @type {number[]} */
  const ms = [];
  /** @type {R | undefined} */
  let result;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const row = { label, median_ms: ms[Math.floor(ms.length / 2)] ?? 0, max_ms: ms[ms.length - 1] ?? 0, runs };
  process.stdout.write(
    `  ${label}: median ${row.median_ms.toFixed(1)} ms, max ${row.max_ms.toFixed(1)} ms\n`,
  );
  return { row, result: /** @type {R} */ (result) };
}

/**
 * Bulk-loads `events` usage events spread over the `days` days before today 00:00 UTC (plus their
 * outcomes and outcome_rollups) into the SQLite store `file`, then builds the usage rollups from
 * scratch. Deterministic (seeded PRNG). Returns the open database and what was timed.
 * @param {{ file: string, events?: number, days?: number, chunk?: number }} opts
 */
export async function generateStore({ file, events = N, days = DAYS, chunk = Number(args.chunk) }) {
  const end = Math.floor(Date.now() / DAY) * DAY; // today 00:00 UTC: the data covers the days before
  const start = end - days * DAY;
  process.stdout.write(`Loading ${events.toLocaleString()} usage events over ${days} days into ${file}\n`);
  const database = await openDatabase(`sqlite:${file}`);
  const sqlite = sqliteHandleOf(database);
  if (!sqlite) throw new Error('the rollups bench needs a SQLite store');
  sqlite.pragma('synchronous = OFF');

  // ---- bulk load (not what is measured: the gateway writes these one batch at a time) ----
  const insertRows = prepareRowInsert(sqlite);
  const insertOutcome = sqlite.prepare(
    'insert into outcomes (id, reporter, idempotency_key, request_id, trace_id, use_case, type, success, value_usd, occurred_at, received_at, metadata) values (?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const BATCH = 50_000;
  const loadStart = performance.now();
  let outcomes = 0;
  let traceNo = 0;
  let inTrace = 0;
  let traceUc = at(USE_CASES, 0);
  let traceUser = '';
  let traceKey = '';
  const step = (end - start) / events;
  /** @type {(from: number, to: number) => void} */
  const loadBatch = sqlite.transaction((from, to) => {
    /** @type {unknown[][]} */
    const rows = [];
    for (let i = from; i < to; i++) {
      if (inTrace === 0 && rand() < 0.3) {
        inTrace = 2 + Math.floor(rand() * 3);
        traceNo++;
        traceUc = pick(UC);
        traceUser = `u${Math.floor(rand() * traceUc.users)}`;
        traceKey = at(traceUc.keys, Math.floor(rand() * traceUc.keys.length));
      }
      const traced = inTrace > 0;
      const uc = traced ? traceUc : pick(UC);
      const [model, provider, price, baseLatency] = at(MODELS, pick(uc.models));
      const ts = Math.floor(start + i * step);
      const r = rand();
      const blocked = r < 0.008;
      const failed = !blocked && r < 0.023;
      const input = 200 + Math.floor(rand() * 3000);
      const output = model.startsWith('embed') ? 0 : 50 + Math.floor(rand() * 600);
      const cost = blocked || failed ? 0 : price === null ? null : price * (0.3 + rand() * 1.4);
      const latency = blocked ? 1 : Math.max(5, baseLatency * Math.exp(0.5 * gauss()));
      const user =
        uc.id === 'shared-embeddings' ? null : traced ? traceUser : `u${Math.floor(rand() * uc.users)}`;
      const traceId = traced ? `t${traceNo}` : null;
      rows.push(
        usageRow({
          requestId: `r${i}`,
          ts,
          endpoint: model.startsWith('embed') ? 'embeddings' : 'chat',
          modelRequested: model,
          provider: blocked ? null : provider,
          modelUpstream: blocked ? null : model,
          attempts: blocked ? 0 : 1,
          status: blocked ? 429 : failed ? 502 : 200,
          errorCode: blocked ? 'rate_limit_exceeded' : failed ? 'upstream_error' : null,
          latencyMs: latency,
          inputTokens: input,
          outputTokens: output,
          costUsd: cost,
          priceVersion: cost === null ? null : 'bench',
          keyId: traced ? traceKey : uc.keys[i % uc.keys.length],
          useCase: uc.id,
          team: uc.team,
          userId: user,
          traceId,
        }),
      );
      if (traced && --inTrace === 0 && uc.id !== 'shared-embeddings' && rand() < 0.7) {
        const success = rand() < 0.75;
        outcomes++;
        insertOutcome.run(
          `out_${traceNo}`,
          '',
          null,
          null,
          traceId,
          uc.id,
          'task_done',
          success ? 1 : 0,
          success && rand() < 0.1 ? Math.round(rand() * 2000) / 100 : null,
          ts,
          ts + Math.floor(rand() * 3 * DAY),
          null,
        );
      }
    }
    insertRows(rows);
  });
  for (let i = 0; i < events; i += BATCH) {
    loadBatch(i, Math.min(events, i + BATCH));
    if ((i / BATCH) % 20 === 19) process.stdout.write(`  ${(i + BATCH).toLocaleString()} events…\n`);
  }
  // The outcome service keeps outcome_rollups per insert; a bulk load builds it in one statement.
  sqlite.exec(`insert into outcome_rollups (day, use_case, outcomes, successes, value_usd, successes_unvalued, feedback_count, feedback_sum)
    select occurred_at - (occurred_at % ${DAY}), use_case, count(*), sum(success), coalesce(sum(value_usd), 0),
      sum(case when success = 1 and value_usd is null then 1 else 0 end), 0, 0
    from outcomes group by occurred_at - (occurred_at % ${DAY}), use_case`);
  sqlite.pragma('synchronous = NORMAL');
  const loadS = (performance.now() - loadStart) / 1000;
  process.stdout.write(`Loaded in ${loadS.toFixed(1)} s (${outcomes.toLocaleString()} outcomes)\n`);

  // ---- rollup build (measured) ----
  const job = createRollupJob(database, { chunk, yieldFn: async () => {} });
  const t = performance.now();
  const built = await job.refresh();
  const buildS = (performance.now() - t) / 1000;
  const counts = /** @type {{ hourly: number, daily: number, users: number }} */ (
    sqlite
      .prepare(
        'select (select count(*) from usage_rollups_hourly) as hourly, (select count(*) from usage_rollups_daily) as daily, (select count(*) from usage_rollup_users) as users',
      )
      .get()
  );
  process.stdout.write(
    `Rollup build: ${built.rolledUp.toLocaleString()} events in ${buildS.toFixed(1)} s (${Math.round(built.rolledUp / buildS).toLocaleString()} events/s); ${counts.hourly.toLocaleString()} hourly, ${counts.daily.toLocaleString()} daily, ${counts.users.toLocaleString()} user-block rows\n`,
  );
  return { database, sqlite, insertRows, job, start, end, outcomes, loadS, buildS, counts };
}

async function main() {
  loadBefore = loadAvgNow();
  const dir = await mkdtemp(join(os.tmpdir(), 'keel-rollups-'));
  const file = join(dir, 'keel.db');
  const { database, sqlite, insertRows, job, start, end, outcomes, loadS, buildS, counts } =
    await generateStore({
      file,
    });
  let t;

  // ---- incremental pass: 20,000 new events at the default chunk size ----
  const tail = 20_000;
  insertRows(
    Array.from({ length: tail }, (_, i) =>
      usageRow({
        requestId: `tail${i}`,
        ts: end - HOUR + i,
        modelRequested: 'gpt-4o-mini',
        provider: 'openai',
        modelUpstream: 'gpt-4o-mini',
        latencyMs: 500,
        inputTokens: 100,
        outputTokens: 50,
        costUsd: 0.001,
        priceVersion: 'bench',
        keyId: 'key_support-bot_0',
        useCase: 'support-bot',
        team: 'cx',
        userId: 'u1',
      }),
    ),
  );
  // The default value.rollup_chunk: each chunk is one synchronous SQLite transaction on the event loop.
  const incChunk = Number(args['inc-chunk'] ?? parseConfig({}, {}).value.rollup_chunk);
  /** @type {number[]} */
  const marks = [];
  const incJob = createRollupJob(database, {
    chunk: incChunk,
    yieldFn: async () => {
      marks.push(performance.now());
    },
  });
  t = performance.now();
  await incJob.refresh();
  const incMs = performance.now() - t;
  const bounds = [t, ...marks, performance.now()];
  const incStepMax = Math.max(...bounds.slice(1).map((x, i) => x - at(bounds, i)));
  process.stdout.write(
    `Incremental: ${tail.toLocaleString()} new events rolled up in ${incMs.toFixed(0)} ms (chunk ${incChunk}: ${(incMs / (tail / incChunk)).toFixed(1)} ms per chunk, longest ${incStepMax.toFixed(1)} ms)\n`,
  );

  // ---- value queries (measured) ----
  const config = parseConfig(
    {
      database: { url: `sqlite:${file}` },
      use_cases: USE_CASES.filter((u) => u.id !== 'shared-embeddings').map((u, i) => ({
        id: u.id,
        team: u.team,
        stage: i < 4 ? 'production' : 'pilot',
        value_per_outcome_usd: [4, 0.5, 1, 2.5, 3, 0.2, 6, 0.4, 1.5, 0.3, 0.8][i],
        human_baseline_cost_usd: i % 2 === 0 ? 6 : undefined,
        monthly_budget_usd: 2000 + i * 500,
        target_roi: 1,
      })),
      cost_allocation: [
        {
          use_case: 'shared-embeddings',
          method: 'proportional',
          targets: ['support-bot', 'doc-search', 'code-review'],
        },
      ],
    },
    {},
  );
  const value = await createValueService({ config, database, audit: memoryAudit(), now: () => end - 1 });
  /** @param {'total' | 'day' | 'week' | 'month'} granularity @param {{ useCases?: string[] }} extra */
  const q = (granularity, extra = {}) => ({ from: start, to: end, granularity, ...extra });
  /** @type {QueryTime[]} */
  const rows = [];
  process.stdout.write('Queries (5 runs each after a warm-up):\n');
  const total = await timed('value report, 90 days, all use cases, one period', () =>
    value.report(q('total')),
  );
  rows.push(total.row);
  rows.push((await timed('value report, 90 days, by day (90 periods)', () => value.report(q('day')))).row);
  rows.push((await timed('value report, 90 days, by week', () => value.report(q('week')))).row);
  rows.push((await timed('value report, 90 days, by month', () => value.report(q('month')))).row);
  rows.push(
    (
      await timed('value report, one use case, by day', () =>
        value.report(q('day', { useCases: ['support-bot'] })),
      )
    ).row,
  );
  for (const scope of /** @type {const} */ (['use_case', 'team', 'key']))
    rows.push((await timed(`forecast, per ${scope}`, () => value.forecast(scope, end - 1))).row);
  const wm = await job.watermark();
  rows.push(
    (
      await timed('hourly usage, 7 days, by use case (alert window)', () =>
        readUsage(database, wm, { from: end - 7 * DAY, to: end, grain: 'hour', by: ['use_case'] }),
      )
    ).row,
  );
  rows.push((await timed('evaluate all alert rules', () => value.evaluateAlerts(end - 1))).row);
  const raw = await timed(
    'for contrast: usage summary by use case straight off raw events (no rollups)',
    () => usageQueries.summarizeUsage(database, { from: start, to: end, groupBy: ['use_case'] }),
    2,
  );
  rows.push(raw.row);

  // Reconciliation: the rollup-based total equals the raw-event total.
  const rawTotal = /** @type {{ n: number, cost: number, unpriced: number }} */ (
    sqlite
      .prepare(
        'select count(*) as n, coalesce(sum(cost_usd), 0) as cost, sum(case when cost_usd is null then 1 else 0 end) as unpriced from usage_events where ts >= ? and ts < ?',
      )
      .get(start, end)
  );
  const rep = total.result.total;
  const reconciled =
    rep.requests === rawTotal.n &&
    Math.abs(rep.cost_usd - rawTotal.cost) < 1e-6 &&
    rep.unpriced_requests === rawTotal.unpriced;
  process.stdout.write(
    `Reconciliation with raw events: ${reconciled ? 'OK' : 'MISMATCH'} (${rep.requests} requests, $${rep.cost_usd.toFixed(2)})\n`,
  );

  // ---- retention: purge raw events older than 60 days; the report must not change ----
  let purge = null;
  if (!args['no-purge']) {
    const purging = createRollupJob(database, { rawDays: 60, yieldFn: async () => {} });
    t = performance.now();
    const deleted = await purging.purge(end);
    const purgeS = (performance.now() - t) / 1000;
    const after = await value.report(q('total'));
    purge = {
      deleted,
      seconds: purgeS,
      unchanged:
        after.total.requests === rep.requests && Math.abs(after.total.cost_usd - rep.cost_usd) < 1e-6,
    };
    process.stdout.write(
      `Retention purge: ${deleted.toLocaleString()} raw events in ${purgeS.toFixed(1)} s; report unchanged: ${purge.unchanged}\n`,
    );
  }
  await value.close();
  await database.close();
  const size = (await stat(file)).size;

  const results = {
    ...runStamp(loadBefore),
    events: N,
    days: DAYS,
    outcomes,
    load_s: loadS,
    rollup_build_s: buildS,
    rollup_rows: counts,
    incremental_chunk: incChunk,
    incremental_ms_per_chunk: incMs / (tail / incChunk),
    incremental_longest_step_ms: incStepMax,
    queries: rows,
    reconciled,
    purge,
    db_mb: size / 1e6,
  };
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'rollups.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (!args['no-write']) await writeSection(results);
  if (args.keep) process.stdout.write(`Kept ${dir}\n`);
  else await rm(dir, { recursive: true, force: true });
}

/** @param {RollupsResults} r */
function markdown(r) {
  /** @param {number} ms */
  const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const q = r.queries.map((x) => `| ${x.label} | ${fmt(x.median_ms)} ms | ${fmt(x.max_ms)} ms |`).join('\n');
  return `${SECTION}

Generated by \`node bench/rollups.js\` on ${r.date} (Node ${r.node}, ${r.cpus} CPUs, ${r.cpu}; load average
${r.load_average.join(' / ')} before the run: the machine is shared, so times are noisy). SQLite (WAL) in a
temp file; ${r.events.toLocaleString('en-US')} usage events spread evenly over ${r.days} days (12 use cases, 8 teams,
40 keys, 6 models of which one unpriced, ~2% errors, ~1% blocked, 30% of calls in traces) and
${r.outcomes.toLocaleString('en-US')} outcomes. Database ${r.db_mb.toFixed(0)} MB before the purge.

- Bulk load (not the gateway path): ${r.load_s.toFixed(0)} s.
- Rollup build from scratch: **${r.rollup_build_s.toFixed(1)} s** (${Math.round(r.events / r.rollup_build_s).toLocaleString('en-US')} events/s), giving
  ${r.rollup_rows.hourly.toLocaleString('en-US')} hourly rows, ${r.rollup_rows.daily.toLocaleString('en-US')} daily rows and ${r.rollup_rows.users.toLocaleString('en-US')} user-block rows.
- Incremental rollup of 20,000 new events: **${r.incremental_ms_per_chunk.toFixed(1)} ms per ${r.incremental_chunk.toLocaleString('en-US')}-event chunk**
  (longest ${r.incremental_longest_step_ms.toFixed(1)} ms; the default \`value.rollup_chunk\`, one transaction each, with a yield to the
  event loop between chunks).
- Reconciliation: the rollup-based 90-day total ${r.reconciled ? 'equals' : 'does NOT equal'} requests, cost and unpriced count summed from the raw events.
${r.purge ? `- Retention purge of raw events older than 60 days: ${r.purge.deleted.toLocaleString('en-US')} rows in ${r.purge.seconds.toFixed(1)} s; the 90-day report is ${r.purge.unchanged ? 'unchanged' : 'CHANGED'} afterwards (rollups remain).\n` : ''}
Query times (after one warm-up run; median and max of ${r.queries[0]?.runs ?? 5} runs, the raw-event contrast 2 runs):

| query | median | max |
| --- | --- | --- |
${q}
`;
}

/** @param {RollupsResults} r */
async function writeSection(r) {
  await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, markdown(r));
}

if (IS_MAIN) {
  if (args['write-only'])
    await writeSection(JSON.parse(await readFile(join(ROOT, 'bench', 'results', 'rollups.json'), 'utf8')));
  else await main();
}
