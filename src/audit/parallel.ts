import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Database, sqliteHandleOf } from '../store/db.js';
import { GENESIS_HASH } from './chain.js';
import type { WalkStart } from './walk.js';

/**
 * The fast path of verify for a SQLite file: worker threads, each with its own read-only connection,
 * check disjoint seq ranges at once (seq continuity, links, hashes) and stop at their first doubt.
 * They only ever answer "intact up to here"; classifying a break is left to the exact sequential
 * walker, which resumes just before the first doubt. A worker that disagrees with the chain format
 * can therefore only make verify slower, never make it pass a broken chain.
 */

/** What one worker found in [lo, hi]. Tuples keep the structured clone small. */
interface RangeScan {
  rows: number;
  /** [seq, prev_hash] of the range's first row. */
  first: [number, string] | null;
  /** [seq, hash, prev_hash] of the last row that checked out. */
  good: [number, string, string] | null;
  /** Stored seq of the first row that did not. */
  bad: number | null;
  /** [stored seq, hash] at the checkpoint seqs asked about, up to the first doubt. */
  hashesAt: Array<[number, string]>;
}

interface FastScan {
  /** Rows read through `through` (including those before `from`). */
  rows: number;
  /** The last verified entry; the exact walker resumes after it. Null: nothing verified. */
  through: WalkStart | null;
  /** Stored seq of the first row the fast path could not vouch for; null when the whole range is intact. */
  doubtAt: number | null;
  hashesAt: Array<[number, string]>;
}

/** Below this many entries one thread is as fast as starting workers. */
const PARALLEL_MIN_ENTRIES = 50_000;

// Plain CommonJS for an eval'd worker (no TypeScript at run time under tests). The canonical text
// must equal canonicalEntryText in chain.ts; the parallel verify tests check they agree.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const sha = crypto.hash ? (s) => crypto.hash('sha256', s, 'hex') : (s) => crypto.createHash('sha256').update(s).digest('hex');
const Sqlite = require(workerData.driver);
const { file, lo, hi, pageSize, checkpointSeqs, shift } = workerData;
const db = new Sqlite(file, { readonly: true, fileMustExist: true });
const stmt = db.prepare('select seq, ts, actor, action, target, details, prev_hash, hash from audit_log where seq > ? and seq <= ? order by seq limit ?').raw(true);
const cps = new Set(checkpointSeqs);
const q = JSON.stringify;
let after = lo - 1, rows = 0, first = null, good = null, bad = null, lastSeq = 0, lastHash = '';
const hashesAt = [];
scan: for (;;) {
  const page = stmt.all(after, hi, pageSize);
  for (const r of page) {
    const seq = r[0];
    if (first === null) first = [seq, r[6]];
    else if (seq !== lastSeq + 1 || r[6] !== lastHash) { bad = seq; break scan; }
    const text = '{"action":' + q(r[3]) + ',"actor":' + q(r[2]) + ',"details":' + r[5] + ',"prev_hash":' + q(r[6]) +
      ',"seq":' + (seq + shift) + ',"target":' + (r[4] === null ? 'null' : q(r[4])) + ',"ts":' + r[1] + '}';
    if (sha(text) !== r[7]) { bad = seq; break scan; }
    if (cps.has(seq)) hashesAt.push([seq, r[7]]);
    rows++; lastSeq = seq; lastHash = r[7]; good = [seq, r[7], r[6]];
  }
  if (page.length < pageSize) break;
  after = page[page.length - 1][0];
}
db.close();
parentPort.postMessage({ rows, first, good, bad, hashesAt });
`;

function scanRange(
  file: string,
  lo: number,
  hi: number,
  shift: number,
  pageSize: number,
  checkpointSeqs: number[],
): Promise<RangeScan> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        lo,
        hi,
        shift,
        pageSize,
        checkpointSeqs: checkpointSeqs.filter((s) => s >= lo && s <= hi),
        driver,
      },
    });
    // Settled on 'exit': the scan ends on its own once it has posted, and verify must not return
    // (and the CLI exit) while a worker isolate is still being torn down.
    let scan: RangeScan | undefined;
    let failure: unknown;
    w.once('message', (m: RangeScan) => {
      scan = m;
    });
    w.once('error', (e) => {
      failure = e;
    });
    w.once('exit', (code) => {
      if (scan && code === 0) resolve(scan);
      else reject(failure ?? new Error(`audit verify worker exited with code ${code}`));
    });
  });
}

/** Join the ranges in order, from `base`; the first doubt (inside a range or at a seam) ends the fast path. */
function stitch(scans: RangeScan[], base: WalkStart | undefined): FastScan {
  let prevSeq = base?.seq ?? 0;
  let prevHash = base?.hash ?? GENESIS_HASH;
  let through: WalkStart | null = base ?? null;
  let rows = base?.rows ?? 0;
  const counts = { shift: base?.shift ?? 0, deleted: base?.deleted ?? 0, inserted: base?.inserted ?? 0 };
  const hashesAt: Array<[number, string]> = [];
  for (const s of scans) {
    if (s.first === null && s.bad === null) continue;
    if (s.first && (s.first[0] !== prevSeq + 1 || s.first[1] !== prevHash))
      return { rows, through, doubtAt: s.first[0], hashesAt };
    hashesAt.push(...s.hashesAt);
    rows += s.rows;
    if (s.good) {
      through = { seq: s.good[0], hash: s.good[1], prevHash: s.good[2], rows, ...counts };
      prevSeq = s.good[0];
      prevHash = s.good[1];
    }
    if (s.bad !== null) return { rows, through, doubtAt: s.bad, hashesAt };
  }
  return { rows, through, doubtAt: null, hashesAt };
}

/**
 * Run the fast path when it applies (a SQLite file, enough entries, more than one CPU); null when it
 * does not, or when a worker failed (the caller then walks sequentially).
 */
export async function fastScan(
  database: Database,
  opts: {
    workers?: number;
    minEntries?: number;
    pageSize: number;
    /** Original seqs of the checkpoints to report hashes for. */
    checkpointSeqs: number[];
    /** Continue after this verified entry (with its renumbering) instead of from the start. */
    from?: WalkStart;
  },
): Promise<FastScan | null> {
  const sqlite = sqliteHandleOf(database);
  const workers = Math.floor(opts.workers ?? Math.min(4, availableParallelism()));
  if (!sqlite || sqlite.memory || workers < 2) return null;
  const bounds = sqlite.prepare('select min(seq) as lo, max(seq) as hi from audit_log').get() as {
    lo: number | null;
    hi: number | null;
  };
  if (bounds.lo === null || bounds.hi === null) return null;
  const first = opts.from ? opts.from.seq + 1 : bounds.lo;
  if (bounds.hi - first + 1 < (opts.minEntries ?? PARALLEL_MIN_ENTRIES)) return null;
  const shift = opts.from?.shift ?? 0;
  const storedCheckpointSeqs = opts.checkpointSeqs.map((s) => s - shift);
  const span = Math.ceil((bounds.hi - first + 1) / workers);
  const ranges: Array<[number, number]> = [];
  for (let lo = first; lo <= bounds.hi; lo += span) ranges.push([lo, Math.min(bounds.hi, lo + span - 1)]);
  try {
    // allSettled, not all: after one failure the others are still running, and returning then
    // would leave live workers behind.
    const settled = await Promise.allSettled(
      ranges.map(([lo, hi]) => scanRange(sqlite.name, lo, hi, shift, opts.pageSize, storedCheckpointSeqs)),
    );
    const scans: RangeScan[] = [];
    for (const r of settled) {
      if (r.status === 'rejected') return null;
      scans.push(r.value);
    }
    return stitch(scans, opts.from);
  } catch {
    return null;
  }
}
