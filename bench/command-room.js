// @ts-check
/**
 * The Command Room's first view over 10M usage events: builds (or reuses, with --db) a SQLite store of
 * N usage events (default 10,000,000) over 90 days with the rollups built, using the generator of
 * bench/rollups.js; starts `node bin/keel.js start` on it; signs in with playwright-core + Debian's
 * chromium and loads the Overview N times (default 5), timing navigation → KPI cards and portfolio
 * rows showing figures; and times every admin API call the Overview makes (median of 5 after a
 * warm-up, fetched directly, plus what the browser saw). Writes the "## Command Room over 10M events"
 * section of bench/RESULTS.md and bench/results/command-room.json.
 *
 * Usage: npm run build && node bench/command-room.js [--db /path/keel.db] [--events 10000000]
 *        [--days 90] [--loads 5] [--keep] [--no-write]
 * With --db: an existing file is reused as is (Keel's rollup job catches up on start); a missing one
 * is generated there and kept. Without --db the store is generated in a temp dir, removed at the end
 * unless --keep.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { median } from './lib/load.js';
import { freePort, startKeel } from './lib/procs.js';
import { loadAvgNow, runStamp, writeResultsSection } from './lib/report.js';
import { generateStore } from './rollups.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SECTION = '## Command Room over 10M events';
const BUDGET_MS = 1000;
/** Rendered by Overview.tsx once GET /api/value has answered: a KPI figure and a portfolio row. */
const KPI_READY = '[data-kpi="cost_usd"] data.kpi-value';
const PORTFOLIO_READY = 'section[aria-label="Use-case portfolio"] tbody tr[data-row]';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    loads: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const LOADS = Number(args.loads);

/** @param {number[]} xs */
const stats = (xs) => ({ median: median(xs), max: Math.max(...xs), n: xs.length });
/** @param {number} ms */
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

/**
 * @typedef {{ call: string, url: string, median_ms: number, max_ms: number,
 *   browser_median_ms: number | null, status: number }} ApiTime
 * @typedef {{ date: string, node: string, cpus: number, cpu: string, load_average: number[],
 *   events_requested: number, events_all_time: number | null, days: number, db_mb: number,
 *   generated: { load_s: number, rollup_build_s: number, outcomes: number } | null,
 *   keel_start_ms: number, sign_in_ms: number | null, loads_ms: number[], settled_ms: number[],
 *   api: ApiTime[] }} CommandRoomResults
 */

/** Keel on the store `file` with its default config, as a user's first `keel start` on it. */
/** @param {string} file @param {string} token */
async function startKeelOn(file, token) {
  const port = await freePort();
  const t = performance.now();
  const keel = await startKeel({
    root: ROOT,
    port,
    env: {
      ...process.env,
      KEEL_DATABASE_URL: `sqlite:${file}`,
      KEEL_ADMIN_TOKEN: token,
      KEEL_HOST: '127.0.0.1',
    },
  });
  return { url: keel.url, startMs: performance.now() - t, stop: () => keel.stop(10_000) };
}

/** `/api/value?from=…` → `GET /api/value`, for grouping the same call across loads. */
const label = (/** @type {string} */ u) => {
  const { pathname, searchParams } = new URL(u);
  const q = searchParams.has('granularity')
    ? ' (period, by day)'
    : pathname === '/api/value'
      ? ' (previous period)'
      : '';
  return `GET ${pathname}${q}`;
};

async function main() {
  const loadBefore = loadAvgNow();
  // ---- the store ----
  let dir = null;
  let file;
  let generated = null;
  if (args.db && existsSync(args.db)) {
    file = resolve(args.db);
    process.stdout.write(`Reusing ${file}\n`);
  } else {
    if (args.db) {
      file = resolve(args.db);
      await mkdir(dirname(file), { recursive: true });
    } else {
      dir = await mkdtemp(join(os.tmpdir(), 'keel-command-room-'));
      file = join(dir, 'keel.db');
    }
    const g = await generateStore({ file, events: Number(args.events), days: Number(args.days) });
    generated = { load_s: g.loadS, rollup_build_s: g.buildS, outcomes: g.outcomes };
    await g.database.close();
  }
  const dbMb = (await stat(file)).size / 1e6;

  // ---- Keel ----
  const token = `bench_${randomBytes(24).toString('hex')}`;
  const keel = await startKeelOn(file, token);
  process.stdout.write(`Keel listening on ${keel.url} after ${fmt(keel.startMs)} ms\n`);
  const events = await (async () => {
    try {
      const res = await fetch(`${keel.url}/api/value?from=2000-01-01&to=2100-01-01&granularity=total`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = /** @type {{ total?: { requests?: number } }} */ (await res.json());
      return body.total?.requests ?? null;
    } catch {
      return null;
    }
  })();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  /** @type {CommandRoomResults} */
  const results = {
    ...runStamp(loadBefore),
    events_requested: Number(args.events),
    events_all_time: events,
    days: Number(args.days),
    db_mb: dbMb,
    generated,
    keel_start_ms: keel.startMs,
    sign_in_ms: null,
    loads_ms: [],
    settled_ms: [],
    api: [],
  };
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    // Every load fetches the app's assets again, as a first visit would.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));

    /** @type {Map<string, number[]>} */
    const seen = new Map();
    /** @type {Map<string, string>} */
    const urls = new Map();
    let apiEnds = /** @type {number[]} */ ([]);
    page.on('requestfinished', (req) => {
      if (!req.url().includes('/api/')) return;
      const t = req.timing();
      if (t.responseEnd < 0) return;
      const l = label(req.url());
      urls.set(l, req.url());
      seen.set(l, [...(seen.get(l) ?? []), t.responseEnd]);
      apiEnds.push(t.startTime + t.responseEnd);
    });

    const ready = () =>
      Promise.all([
        page.locator(KPI_READY).first().waitFor({ timeout: 60_000 }),
        page.locator(PORTFOLIO_READY).first().waitFor({ timeout: 60_000 }),
      ]);

    // Sign in (the first view after Keel starts: SQLite's page cache is cold).
    await page.goto(`${keel.url}/`);
    await page.getByLabel('Admin token').fill(token);
    let t = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await ready();
    results.sign_in_ms = performance.now() - t;
    await page.waitForLoadState('networkidle');
    process.stdout.write(`Sign-in → Overview figures: ${fmt(results.sign_in_ms)} ms (cold)\n`);
    seen.clear();

    // The measured loads: a full navigation to / each time (the session token stays in sessionStorage).
    for (let i = 0; i < LOADS; i++) {
      apiEnds = [];
      const wallStart = Date.now();
      t = performance.now();
      await page.goto(`${keel.url}/`, { waitUntil: 'commit' });
      await ready();
      const ms = performance.now() - t;
      await page.waitForLoadState('networkidle');
      const settled = apiEnds.length ? Math.max(...apiEnds) - wallStart : Number.NaN;
      results.loads_ms.push(ms);
      results.settled_ms.push(settled);
      process.stdout.write(
        `  load ${i + 1}: figures in ${fmt(ms)} ms; last API answer at ${fmt(settled)} ms\n`,
      );
    }
    if (errors.length) process.stdout.write(`Page errors: ${errors.join('; ')}\n`);

    // Each API call the Overview made, fetched directly: one warm-up, then 5 timed.
    for (const [call, url] of [...urls].sort()) {
      const once = async () => {
        const s = performance.now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        return { ms: performance.now() - s, status: res.status };
      };
      await once();
      /** @type {number[]} */
      const runs = [];
      let status = 0;
      for (let i = 0; i < 5; i++) {
        const r = await once();
        runs.push(r.ms);
        status = r.status;
      }
      const st = stats(runs);
      const inBrowser = seen.get(call);
      results.api.push({
        call,
        url: url.replace(keel.url, ''),
        median_ms: st.median,
        max_ms: st.max,
        browser_median_ms: inBrowser ? stats(inBrowser).median : null,
        status,
      });
    }
  } finally {
    await browser.close();
    await keel.stop();
  }

  // ---- report ----
  const l = stats(results.loads_ms);
  process.stdout.write(
    `\nOverview figures over ${LOADS} loads: median ${fmt(l.median)} ms, max ${fmt(l.max)} ms (budget ${BUDGET_MS} ms: ${l.max < BUDGET_MS ? 'met' : 'MISSED'})\n\n`,
  );
  const w = Math.max(...results.api.map((a) => a.call.length), 10);
  process.stdout.write(`${'API call'.padEnd(w)}  status  median ms  max ms  in browser (median)\n`);
  for (const a of results.api)
    process.stdout.write(
      `${a.call.padEnd(w)}  ${String(a.status).padStart(6)}  ${fmt(a.median_ms).padStart(9)}  ${fmt(a.max_ms).padStart(6)}  ${a.browser_median_ms === null ? '—' : fmt(a.browser_median_ms)}\n`,
    );
  const slow = results.api.filter((a) => a.median_ms > BUDGET_MS);
  if (slow.length)
    process.stdout.write(`Slower than ${BUDGET_MS} ms: ${slow.map((a) => a.call).join(', ')}\n`);

  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench', 'results', 'command-room.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  if (!args['no-write']) await writeSection(results);
  if (dir && !args.keep) await rm(dir, { recursive: true, force: true });
  else if (dir) process.stdout.write(`Kept ${file}\n`);
}

/** @param {CommandRoomResults} r */
function markdown(r) {
  const l = stats(r.loads_ms);
  const s = stats(r.settled_ms);
  const rows = r.api
    .map(
      (a) =>
        `| \`${a.call}\` | ${a.status} | ${fmt(a.median_ms)} ms | ${fmt(a.max_ms)} ms | ${a.browser_median_ms === null ? '—' : `${fmt(a.browser_median_ms)} ms`} |`,
    )
    .join('\n');
  const gen = r.generated
    ? `generated for this run (bulk load ${r.generated.load_s.toFixed(0)} s, rollup build ${r.generated.rollup_build_s.toFixed(1)} s, with the generator of \`bench/rollups.js\`)`
    : 'reused from an earlier run (`--db`)';
  return `${SECTION}

Generated by \`node bench/command-room.js\` on ${r.date} (Node ${r.node}, ${r.cpus} CPUs, ${r.cpu}; load average
${r.load_average.join(' / ')} before the run: the machine is shared, so times are noisy). SQLite (WAL) store of
${r.events_requested.toLocaleString('en-US')} usage events over ${r.days} days (${r.events_all_time === null ? '?' : r.events_all_time.toLocaleString('en-US')} in the all-time value report), ${r.db_mb.toFixed(0)} MB, ${gen}.
\`node bin/keel.js start\` on it (listening after ${fmt(r.keel_start_ms)} ms), then headless chromium (playwright-core) signs in and
loads the Overview (default period: the last 30 days) with the browser cache disabled, so each load fetches the app again.
"Figures" = the Spend KPI (\`${KPI_READY}\`) and a portfolio row (\`${PORTFOLIO_READY}\`) are rendered.

- Sign-in → Overview figures, first view after Keel starts (cold SQLite page cache): **${r.sign_in_ms === null ? '—' : fmt(r.sign_in_ms)} ms**.
- Navigation → Overview figures over ${l.n} loads: **median ${fmt(l.median)} ms, max ${fmt(l.max)} ms**
  (the 1 s budget is ${l.max < BUDGET_MS ? 'met' : 'MISSED'}); last Overview API answer at median ${fmt(s.median)} ms, max ${fmt(s.max)} ms.

Admin API calls the Overview makes (fetched directly: median and max of 5 after a warm-up; and the median
the browser saw over the ${l.n} loads, request start → response end):

| call | status | median | max | in the browser |
| --- | --- | --- | --- | --- |
${rows}
`;
}

/** Replaces only this bench's section of bench/RESULTS.md. */
/** @param {CommandRoomResults} r */
async function writeSection(r) {
  await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), SECTION, markdown(r));
}

await main();
