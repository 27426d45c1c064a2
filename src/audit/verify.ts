import type { Database } from '../store/db.js';
import { CHECKPOINT_ALG, type Checkpoint, signatureValid, signingKeyId } from './chain.js';
import { readCheckpointFile } from './checkpoint-file.js';
import { fastScan } from './parallel.js';
import { findSeqByHash, readCheckpoints, readPage, readRowAt } from './store.js';
import type { AuditProblem, ProblemKind } from './types.js';
import { ChainWalker, type WalkResult, type WalkStart } from './walk.js';

export type { AuditProblem, ProblemKind } from './types.js';

interface VerifyOptions {
  /** The key checkpoints were signed with; without it signatures are not checked. */
  signingKey?: string;
  /** The checkpoint file kept outside the database, when there is one. */
  checkpointFile?: string;
  /** Called after each page of entries. */
  onProgress?: (p: { entries: number; seq: number }) => void;
  /** Rows per page (default 2000): memory stays flat whatever the log's size. */
  pageSize?: number;
  /** Worker threads for the SQLite fast path (default min(4, CPUs)); 0 or 1 walks on one thread. */
  workers?: number;
  /** Fewest entries for which the fast path starts workers (default 50,000). */
  parallelMinEntries?: number;
  /** Clean entries after a break before the exact walker hands back to the fast path (default 1000). */
  handBackAfter?: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** Distinct checkpoints checked (database and file together). */
  checkpoints: number;
  /** Ordered by position in the chain; the first is the first damage. */
  problems: AuditProblem[];
  /** The last entry of the chain as walked. */
  head: { seq: number; hash: string } | null;
  /** Things that limit what could be checked (no signing key, no checkpoint file …). */
  warnings: string[];
}

const MAX_PROBLEMS = 100;
/** Clean entries after a break before the exact walker hands back to the parallel fast path. */
const HAND_BACK_AFTER = 1000;
const CHAIN_FIRST: Record<ProblemKind, number> = {
  altered: 0,
  deleted: 0,
  reordered: 0,
  inserted: 0,
  bad_checkpoint: 1,
  truncated: 2,
};

interface CheckpointRef {
  cp: Checkpoint;
  sources: string;
  /** Signature checked out (or could not be checked); only these vouch for the chain. */
  trusted: boolean;
  matched: boolean;
}

/**
 * Re-walks the chain (see ChainWalker) and checks every checkpoint from the database and the file:
 * its signature, that the entry at its seq carries its head hash, and that the chain holds its count
 * of entries there. Checkpoints beyond the end of the chain mean the tail was cut off. Read-only.
 */
export async function verifyAudit(database: Database, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const problems: AuditProblem[] = [];
  const warnings: string[] = [];
  let dropped = 0;
  const report = (p: AuditProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else dropped++;
  };

  const refs = await loadCheckpoints(database, opts, report, warnings);
  const bySeq = new Map<number, CheckpointRef[]>();
  for (const ref of refs) {
    ref.trusted = signatureOk(ref, opts.signingKey, report);
    if (!ref.trusted) continue;
    const list = bySeq.get(ref.cp.seq);
    if (list) list.push(ref);
    else bySeq.set(ref.cp.seq, [ref]);
  }
  if (!opts.signingKey && refs.some((r) => r.cp.signature !== null))
    warnings.push('checkpoint signatures were not checked: no signing key configured');

  let lastGood = 0;
  const onEntry = (hash: string, origSeq: number, count: number) => {
    const list = bySeq.get(origSeq);
    if (!list) return;
    let good = true;
    for (const ref of list) {
      ref.matched = true;
      if (hash !== ref.cp.headHash) {
        good = false;
        report({
          seq: origSeq,
          kind: 'bad_checkpoint',
          message: `entry hash differs from the checkpoint (${ref.sources}): the chain was rewritten after entry ${lastGood}`,
        });
      } else if (ref.cp.count !== count) {
        good = false;
        report({
          seq: origSeq,
          kind: 'bad_checkpoint',
          message: `checkpoint (${ref.sources}) records ${ref.cp.count} entries, the chain holds ${count}`,
        });
      }
    }
    if (good) lastGood = origSeq;
  };

  const pageSize = opts.pageSize ?? 2000;
  const source = {
    page: (after: number, limit: number) => readPage(database, after, limit),
    rowAt: (seq: number) => readRowAt(database, seq),
    copyOf: (hash: string, except: number) => findSeqByHash(database, hash, except),
  };
  const hooks = {
    onEntry,
    report,
    onPage: opts.onProgress
      ? (entries: number, seq: number) => opts.onProgress?.({ entries, seq })
      : undefined,
  };
  // Clean stretches go to the parallel fast path (when it applies); from each doubt the exact walker
  // classifies and resynchronises, then hands back.
  const deleted = new Set<number>();
  let start: WalkStart | undefined;
  let walked: WalkResult;
  for (;;) {
    const fast = await fastScan(database, {
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.parallelMinEntries !== undefined ? { minEntries: opts.parallelMinEntries } : {}),
      pageSize,
      checkpointSeqs: [...bySeq.keys()],
      ...(start ? { from: start } : {}),
    });
    if (fast) {
      const base = start ?? { seq: 0, rows: 0, shift: 0, deleted: 0, inserted: 0 };
      // Inside a verified stretch the count advances one per entry.
      const countAt = (seq: number) => base.rows + base.deleted - base.inserted + (seq - base.seq);
      for (const [seq, hash] of fast.hashesAt) onEntry(hash, seq + base.shift, countAt(seq));
      if (fast.through) opts.onProgress?.({ entries: fast.rows, seq: fast.through.seq });
      if (fast.doubtAt === null) {
        const end = fast.through;
        walked = {
          entries: fast.rows,
          lastOrigSeq: end ? end.seq + end.shift : 0,
          head: end ? { seq: end.seq, hash: end.hash } : null,
          deleted,
          resume: null,
        };
        break;
      }
    }
    const from = fast?.through ?? start;
    const walker = new ChainWalker(
      source,
      hooks,
      pageSize,
      from ?? undefined,
      fast ? (opts.handBackAfter ?? HAND_BACK_AFTER) : 0,
    );
    const r = await walker.run();
    for (const s of r.deleted) deleted.add(s);
    if (r.resume) {
      start = r.resume;
      continue;
    }
    walked = { ...r, deleted };
    break;
  }

  let beyond: CheckpointRef | null = null;
  for (const ref of refs) {
    if (ref.matched || !ref.trusted) continue;
    if (ref.cp.seq > walked.lastOrigSeq) {
      if (!beyond || ref.cp.seq > beyond.cp.seq) beyond = ref;
    } else if (!walked.deleted.has(ref.cp.seq)) {
      report({
        seq: ref.cp.seq,
        kind: 'bad_checkpoint',
        message: `no entry for the checkpoint (${ref.sources})`,
      });
    }
  }
  if (beyond) {
    const first = walked.lastOrigSeq + 1;
    report({
      seq: first,
      kind: 'truncated',
      message:
        walked.entries === 0
          ? `the log is empty; a checkpoint (${beyond.sources}) records ${beyond.cp.count} entries through entry ${beyond.cp.seq}`
          : `entries ${first}–${beyond.cp.seq} missing: the log ends at entry ${walked.lastOrigSeq}, a checkpoint (${beyond.sources}) records entries through ${beyond.cp.seq}`,
    });
  }

  problems.sort((x, y) => {
    const sx = x.seq ?? Number.MAX_SAFE_INTEGER;
    const sy = y.seq ?? Number.MAX_SAFE_INTEGER;
    return sx - sy || CHAIN_FIRST[x.kind] - CHAIN_FIRST[y.kind];
  });
  if (dropped > 0) warnings.push(`${dropped} further problem(s) not listed`);
  return {
    ok: problems.length === 0 && dropped === 0,
    entries: walked.entries,
    checkpoints: refs.length,
    problems,
    head: walked.head,
    warnings,
  };
}

async function loadCheckpoints(
  database: Database,
  opts: VerifyOptions,
  report: (p: AuditProblem) => void,
  warnings: string[],
): Promise<CheckpointRef[]> {
  const byKey = new Map<string, CheckpointRef>();
  const add = (cp: Checkpoint, source: string) => {
    const key = `${cp.seq}|${cp.count}|${cp.headHash}|${cp.ts}|${cp.signature}|${cp.keyId}|${cp.alg}`;
    const ref = byKey.get(key);
    if (ref) {
      if (!ref.sources.includes(source)) ref.sources += `+${source}`;
    } else byKey.set(key, { cp, sources: source, trusted: false, matched: false });
  };
  for (const cp of await readCheckpoints(database)) add(cp, 'database');
  if (opts.checkpointFile) {
    const file = await readCheckpointFile(opts.checkpointFile);
    if (file.missing) warnings.push(`checkpoint file ${opts.checkpointFile} does not exist`);
    for (const bad of file.badLines)
      report({
        seq: null,
        kind: 'bad_checkpoint',
        message: `checkpoint file line ${bad.line}: ${bad.reason}`,
      });
    for (const cp of file.checkpoints) add(cp, 'file');
  } else {
    warnings.push(
      'no checkpoint file: deletion of the newest entries is caught only by database checkpoints',
    );
  }
  return [...byKey.values()].sort((a, b) => a.cp.seq - b.cp.seq);
}

function signatureOk(
  ref: CheckpointRef,
  key: string | undefined,
  report: (p: AuditProblem) => void,
): boolean {
  if (!key) return true;
  const { cp } = ref;
  const bad = (why: string) => {
    report({ seq: cp.seq, kind: 'bad_checkpoint', message: `checkpoint (${ref.sources}) ${why}` });
    return false;
  };
  if (cp.signature === null) return bad('is unsigned, but a signing key is configured');
  if (cp.alg !== null && cp.alg !== CHECKPOINT_ALG)
    return bad(`uses an unknown algorithm "${cp.alg.slice(0, 40)}"`);
  const ours = signingKeyId(key);
  if (cp.keyId !== null && cp.keyId !== ours)
    return bad(`was signed with another key (${cp.keyId.slice(0, 40)})`);
  if (!signatureValid(cp, cp.signature, key)) return bad('has an invalid signature (forged or altered)');
  return true;
}
