// @ts-check
/**
 * `npm run bench:audit`: how long `keel audit verify` takes on a large audit log. Generates
 * AUDIT_BENCH_ENTRIES (default 1,000,000) chained entries into a temp SQLite file with the real chain
 * code (dist/audit/chain.js), a signed checkpoint every 1000 in the table and in a checkpoint file,
 * then times verifyAudit (dist/audit/verify.js) over AUDIT_BENCH_ROUNDS rounds (default 3), and once
 * more after changing one byte of one entry to show the same walk names it. Target: < 10 s.
 * Writes the "## Audit log verification" section of bench/RESULTS.md (the rest of the file is
 * bench/run.js's). BENCH_KEEP=1 keeps the temp dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { canonicalJson, checkpointLine, entryHash, GENESIS_HASH, makeCheckpoint } from '#keel/audit/chain.js';
import { verifyAudit } from '#keel/audit/verify.js';
import { openDatabase } from '#keel/store/db.js';
import { fmt, machineInfo, writeResultsSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_MD = join(ROOT, 'bench', 'RESULTS.md');
const SECTION = '## Audit log verification';

/** @param {string | undefined} v @param {number} dflt */
const positive = (v, dflt) => (v && Number(v) > 0 ? Math.floor(Number(v)) : dflt);
const ENTRIES = positive(process.env.AUDIT_BENCH_ENTRIES, 1_000_000);
const ROUNDS = positive(process.env.AUDIT_BENCH_ROUNDS, 3);
const CHECKPOINT_EVERY = 1000;
const TX_ROWS = 50_000;
const TARGET_S = 10;
const SIGNING_KEY = 'bench-audit-signing-key-not-a-secret';

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

const ACTIONS = [
  'request.refused',
  'request.refused',
  'request.refused',
  'key.update',
  'guard.block',
  'key.create',
];
const CODES = ['invalid_api_key', 'permission_denied', 'rate_limit_exceeded', 'budget_exceeded'];

/** Details shaped like the ones Keel writes: refusals, key changes, guard blocks. @param {number} i */
function details(i) {
  const action = ACTIONS[i % ACTIONS.length];
  if (action === 'request.refused')
    return {
      code: CODES[i % CODES.length],
      reason: `Key key_${(i % 97).toString(16)} may not use model gpt-4o (allowed: gpt-4o-mini, claude-haiku-*).`,
      endpoint: 'chat',
      model: 'gpt-4o',
      use_case: 'support-bot',
      client_ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    };
  if (action === 'guard.block')
    return {
      guard: 'pii',
      decision: 'block',
      entities: ['email', 'phone'],
      use_case: 'support-bot',
      score: 0.93,
    };
  const key = {
    id: `key_${i.toString(16)}`,
    name: 'checkout',
    prefix: 'sk-keel-Ab12Cd',
    models: ['gpt-4o-mini'],
    rpm: 600,
    budget_usd: 50,
  };
  return { before: action === 'key.create' ? null : { ...key, rpm: 300 }, after: key };
}

/** @param {string} file @param {string} cpFile */
async function generate(file, cpFile) {
  // Migrations through Keel itself, so the schema (and its indexes) is the real one.
  const db = await openDatabase(`sqlite:${file}`);
  await db.close();
  const sqlite = new BetterSqlite3(file);
  // A fixture, not Keel's write path: durability is irrelevant while generating.
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  const insert = sqlite.prepare(
    'insert into audit_log (seq, ts, actor, action, target, details, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertCp = sqlite.prepare(
    'insert into audit_checkpoints (seq, count, head_hash, ts, signature, key_id, alg) values (?, ?, ?, ?, ?, ?, ?)',
  );
  /** @type {string[]} */
  const lines = [];
  let prev = GENESIS_HASH;
  const t0 = 1_790_000_000_000;
  const batch = sqlite.transaction((/** @type {number} */ from, /** @type {number} */ to) => {
    for (let seq = from; seq <= to; seq++) {
      const i = seq - 1;
      const action = ACTIONS[i % ACTIONS.length] ?? 'request.refused';
      const e = {
        seq,
        ts: t0 + i * 37,
        actor: action === 'request.refused' ? `key:key_${(i % 97).toString(16)}` : 'admin:ops',
        action,
        target:
          action === 'request.refused' ? `req_${i.toString(36).padStart(8, '0')}` : `key_${i.toString(16)}`,
        details: canonicalJson(details(i)),
        prevHash: prev,
      };
      const hash = entryHash(e);
      insert.run(e.seq, e.ts, e.actor, e.action, e.target, e.details, e.prevHash, hash);
      prev = hash;
      if (seq % CHECKPOINT_EVERY === 0 || seq === ENTRIES) {
        const cp = makeCheckpoint({ seq, count: seq, headHash: hash, ts: e.ts }, SIGNING_KEY);
        insertCp.run(cp.seq, cp.count, cp.headHash, cp.ts, cp.signature, cp.keyId, cp.alg);
        lines.push(checkpointLine(cp));
      }
    }
  });
  for (let from = 1; from <= ENTRIES; from += TX_ROWS) batch(from, Math.min(ENTRIES, from + TX_ROWS - 1));
  sqlite.close();
  await writeFile(cpFile, lines.join(''));
  return lines.length;
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** @param {string} md */
async function writeSection(md) {
  await writeResultsSection(RESULTS_MD, SECTION, md);
}

/**
 * The timed part, in its own process so its peak RSS is the verifier's, not the fixture generator's.
 * Prints one JSON line to stdout. @param {string} dir @param {number} checkpoints
 */
async function measure(dir, checkpoints) {
  const file = join(dir, 'audit.db');
  const cpFile = join(dir, 'checkpoints.jsonl');
  const database = await openDatabase(`sqlite:${file}`);
  /** @type {number[]} */
  const times = [];
  /** @type {number[]} */
  const cpuTimes = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const r = await verifyAudit(database, { signingKey: SIGNING_KEY, checkpointFile: cpFile });
      const s = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
      if (!r.ok || r.entries !== ENTRIES || r.checkpoints !== checkpoints)
        throw new Error(
          `verify of the intact log failed: ${JSON.stringify({ ...r, problems: r.problems.slice(0, 3) })}`,
        );
      times.push(s);
      log(
        `round ${round}: verified ${r.entries.toLocaleString('en-US')} entries + ${r.checkpoints} checkpoints in ${fmt(s, 3)} s (CPU ${fmt(cpuTimes[cpuTimes.length - 1] ?? 0, 1)} s)`,
      );
    }
    // The same walk on one thread: what a Postgres store (no worker fast path) costs.
    let t = performance.now();
    const single = await verifyAudit(database, {
      signingKey: SIGNING_KEY,
      checkpointFile: cpFile,
      workers: 0,
    });
    const singleS = (performance.now() - t) / 1000;
    if (!single.ok) throw new Error('single-thread verify of the intact log failed');
    log(`single thread: ${fmt(singleS, 3)} s`);
    // One byte of one entry, deep in the log: the same walk must name it.
    const victim = Math.max(1, Math.floor(ENTRIES * 0.8123));
    const raw = new BetterSqlite3(file);
    raw.prepare("update audit_log set actor = actor || 'x' where seq = ?").run(victim);
    raw.close();
    t = performance.now();
    const tampered = await verifyAudit(database, { signingKey: SIGNING_KEY, checkpointFile: cpFile });
    const tamperedS = (performance.now() - t) / 1000;
    const p = tampered.problems[0];
    if (tampered.ok || p?.seq !== victim || p?.kind !== 'altered')
      throw new Error(`tampered entry ${victim} not named: ${JSON.stringify(tampered.problems.slice(0, 3))}`);
    log(`tampered: "${p.kind}" at entry ${p.seq} found in ${fmt(tamperedS, 3)} s`);
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ times, cpuTimes, singleS, victim, tamperedS, maxRssMb })}\n`);
  } finally {
    await database.close();
  }
}

/** @param {string} dir @param {number} checkpoints */
function measureInChild(dir, checkpoints) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(import.meta.url), '--measure', dir, String(checkpoints)],
      { env: process.env, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        process.stderr.write(stderr);
        if (err) reject(err);
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
      },
    );
  });
}

async function main() {
  if (process.argv[2] === '--measure') {
    await measure(process.argv[3] ?? '', Number(process.argv[4]));
    return;
  }
  const dir = await mkdtemp(join(os.tmpdir(), 'keel-bench-audit-'));
  const file = join(dir, 'audit.db');
  const cpFile = join(dir, 'checkpoints.jsonl');
  const machine = machineInfo();
  try {
    log(`generating ${ENTRIES.toLocaleString('en-US')} chained entries in ${file} …`);
    const t = performance.now();
    const checkpoints = await generate(file, cpFile);
    const genS = (performance.now() - t) / 1000;
    const dbMb = (await stat(file)).size / 1024 ** 2;
    log(`generated in ${fmt(genS)} s (${fmt(dbMb, 0)} MB, ${checkpoints} checkpoints)`);

    const m =
      /** @type {{ times: number[]; cpuTimes: number[]; singleS: number; victim: number; tamperedS: number; maxRssMb: number }} */ (
        await measureInChild(dir, checkpoints)
      );
    const med = median(m.times);
    const met = med < TARGET_S;
    const md = `${SECTION}

Generated by \`npm run bench:audit\` (bench/audit-verify.js) on ${new Date().toISOString()}.
${ENTRIES.toLocaleString('en-US')} chained entries (refusals, key changes, guard blocks; ${fmt(dbMb, 0)} MB SQLite file with
the real schema and indexes), a signed checkpoint every ${CHECKPOINT_EVERY} in the table and in a checkpoint file
(${checkpoints} checkpoints). \`verifyAudit\` re-hashes every entry (SHA-256 over the canonical serialisation),
checks every link, seq continuity and every checkpoint (HMAC, head hash, count), streaming pages of 2,000 rows;
on a SQLite file, worker threads (one per CPU, at most 4) check disjoint seq ranges and the exact
classifying walk runs only from where they find a doubt until it is clean again.
Machine: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}, load average before the run
${machine.loadAvg.join(' / ')} (shared machine: other jobs add noise).

| measure | value |
|---|---|
| verify, median of ${ROUNDS} rounds | **${fmt(med, 3)} s** (target < ${TARGET_S} s: ${met ? 'met' : 'NOT met'}) |
| rounds | ${m.times.map((x) => `${fmt(x, 3)} s`).join(', ')} |
| throughput | ${Math.round(ENTRIES / med).toLocaleString('en-US')} entries/s |
| CPU time per verify (all threads), median | ${fmt(median(m.cpuTimes), 1)} s |
| same walk on one thread (\`workers: 0\`, the Postgres path) | ${fmt(m.singleS, 3)} s |
| one byte changed in entry ${m.victim.toLocaleString('en-US')} | named (\`altered\` at ${m.victim}) in ${fmt(m.tamperedS, 3)} s |
| peak RSS of the verifying process (workers included) | ${fmt(m.maxRssMb, 0)} MB |
| generating the fixture (not part of the target) | ${fmt(genS, 1)} s |
`;
    await writeSection(md);
    log(
      `\nverify ${ENTRIES.toLocaleString('en-US')} entries: median ${fmt(med, 3)} s — target < ${TARGET_S} s ${met ? 'met' : 'NOT met'}`,
    );
    log(`wrote the "${SECTION}" section of ${RESULTS_MD}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    if (process.env.BENCH_KEEP === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
