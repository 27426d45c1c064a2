import { canonicalEntryText, GENESIS_HASH, sha256Hex } from './chain.js';
import type { AuditRow } from './store.js';
import type { AuditProblem, ProblemKind } from './types.js';

interface RowSource {
  /** Rows with seq > afterSeq in seq order, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<AuditRow[]>;
  rowAt(seq: number): Promise<AuditRow | undefined>;
  /** Another row with this hash (a copy), if any. */
  copyOf(hash: string, exceptSeq: number): Promise<number | null>;
}

interface WalkHooks {
  /** Every accepted row's stored hash, with its original seq and the chain's entry count through it. */
  onEntry(hash: string, origSeq: number, count: number): void;
  report(p: AuditProblem): void;
  onPage?(entries: number, lastSeq: number): void;
}

export interface WalkResult {
  /** Rows read. */
  entries: number;
  /** Original seq of the last accepted entry (0 when none). */
  lastOrigSeq: number;
  head: { seq: number; hash: string } | null;
  /** Original seqs reported deleted. */
  deleted: Set<number>;
  /** Set when the walk handed back early (clean again after a break): where to continue. */
  resume: WalkStart | null;
}

/** Where to pick up a walk whose prefix (entries 1..seq, contiguous) is already verified. */
export interface WalkStart {
  /** Stored seq of the last verified entry. */
  seq: number;
  hash: string;
  prevHash: string;
  /** Rows read through seq. */
  rows: number;
  /** Renumbering recognised so far: original seq = stored seq + shift. */
  shift: number;
  /** Entries found deleted / inserted so far (the chain's count = rows + deleted - inserted). */
  deleted: number;
  inserted: number;
}

/** How far a renumbered row may have moved and still be recognised. */
const MAX_SHIFT = 8;
/** Rows to look ahead of a break. */
const LOOKAHEAD = 4;
/** Table scans for copies, at most, per walk. */
const MAX_COPY_LOOKUPS = 5;

function hashAt(r: AuditRow, seq: number, prevHash: string): string {
  return sha256Hex(canonicalEntryText(seq, r.ts, r.actor, r.action, r.target, r.details, prevHash));
}

/**
 * Re-walks the chain in seq order, page by page, and explains the first break of each run of damage.
 * Normal rows take one comparison of seq, one of prev_hash and one SHA-256. At a break the walker
 * looks at the rows around it and classifies: a row that is authentic one position later means the
 * entry before it was deleted (or, if its partner is authentic one earlier, the two were swapped);
 * a row the next one skips was inserted; a row that links but does not hash was altered. It then
 * resynchronises (tracking renumbering as a seq shift) so the damage is reported once, not for every
 * row after it.
 */
export class ChainWalker {
  private buf: AuditRow[] = [];
  private i = 0;
  private exhausted = false;
  private afterSeq = Number.MIN_SAFE_INTEGER;
  private prefetch: Promise<AuditRow[]> | null = null;

  /** The last accepted entry (the chain's current link). */
  private pHash = GENESIS_HASH;
  private pPrevHash = GENESIS_HASH;
  private pSeq = 0;
  private pGenesis = true;
  /** Stored seq of the last row read. */
  private lastSeq = 0;
  /** Original seq = stored seq + shift, once renumbering has been recognised. */
  private shift = 0;
  private linkWaived = false;
  /** Rows already explained (the far half of a swap), by stored seq → hash the next row links to. */
  private readonly forgiven = new Map<number, string>();
  private rows = 0;
  private deletedCount = 0;
  private insertedCount = 0;
  private copyLookups = 0;
  /** Entries accepted since the last break. */
  private clean = 0;
  private readonly deleted = new Set<number>();

  constructor(
    private readonly source: RowSource,
    private readonly hooks: WalkHooks,
    private readonly pageSize = 2000,
    start?: WalkStart,
    /** After a break, stop once this many entries in a row check out again (the caller resumes faster). */
    private readonly handBackAfter = 0,
  ) {
    if (start) {
      this.afterSeq = start.seq;
      this.pHash = start.hash;
      this.pPrevHash = start.prevHash;
      this.pSeq = start.seq;
      this.lastSeq = start.seq;
      this.pGenesis = false;
      this.rows = start.rows;
      this.shift = start.shift;
      this.deletedCount = start.deleted;
      this.insertedCount = start.inserted;
    }
  }

  async run(): Promise<WalkResult> {
    for (;;) {
      const buf = this.buf;
      // Hot loop: intact rows, no allocation beyond the canonical string.
      while (this.i < buf.length) {
        const r = buf[this.i] as AuditRow;
        if (this.forgiven.size > 0 && this.forgiven.has(r.seq)) {
          this.accept(r, this.forgiven.get(r.seq) as string);
          this.forgiven.delete(r.seq);
          continue;
        }
        if (
          r.seq === this.lastSeq + 1 &&
          (this.linkWaived || r.prev_hash === this.pHash) &&
          hashAt(r, r.seq + this.shift, r.prev_hash) === r.hash
        ) {
          this.accept(r, r.hash);
          if (this.handBackAfter > 0 && ++this.clean >= this.handBackAfter && this.forgiven.size === 0)
            return this.result(this.state());
          continue;
        }
        await this.anomaly();
        this.clean = 0;
        break;
      }
      if (this.i < this.buf.length) continue;
      if (!(await this.loadMore())) break;
    }
    return this.result(null);
  }

  private state(): WalkStart {
    return {
      seq: this.pSeq,
      hash: this.pHash,
      prevHash: this.pPrevHash,
      rows: this.rows,
      shift: this.shift,
      deleted: this.deletedCount,
      inserted: this.insertedCount,
    };
  }

  private result(resume: WalkStart | null): WalkResult {
    return {
      entries: this.rows,
      lastOrigSeq: this.pGenesis ? 0 : this.pSeq + this.shift,
      head: this.pGenesis ? null : { seq: this.pSeq, hash: this.pHash },
      deleted: this.deleted,
      resume,
    };
  }

  private async loadMore(): Promise<boolean> {
    if (this.exhausted) return false;
    // SQLite reads are synchronous: without a macrotask turn per page, a verify run inside the server
    // would hold the event loop for the whole walk.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const page = await (this.prefetch ?? this.source.page(this.afterSeq, this.pageSize));
    this.prefetch = null;
    if (page.length < this.pageSize) this.exhausted = true;
    const last = page[page.length - 1];
    if (last) this.afterSeq = last.seq;
    if (!this.exhausted) {
      // A server database reads the next page while this one is hashed.
      const next = this.source.page(this.afterSeq, this.pageSize);
      next.catch(() => undefined);
      this.prefetch = next;
    }
    this.buf = this.i >= this.buf.length ? page : this.buf.slice(this.i).concat(page);
    this.i = 0;
    this.hooks.onPage?.(this.rows, this.afterSeq);
    return this.buf.length > 0;
  }

  /** Make sure `n` rows after the current one are buffered, if the table has them. */
  private async ensure(n: number): Promise<void> {
    while (this.i + n >= this.buf.length && !this.exhausted) await this.loadMore();
  }

  private accept(r: AuditRow, linkHash: string): void {
    this.pPrevHash = r.prev_hash;
    this.pHash = linkHash;
    this.pSeq = r.seq;
    this.pGenesis = false;
    this.lastSeq = r.seq;
    this.linkWaived = false;
    this.rows++;
    this.i++;
    this.hooks.onEntry(r.hash, r.seq + this.shift, this.rows + this.deletedCount - this.insertedCount);
  }

  /** Count a row as read but not part of the chain (an insertion). */
  private skip(r: AuditRow): void {
    this.lastSeq = r.seq;
    this.rows++;
    this.insertedCount++;
    this.i++;
  }

  private okAt(r: AuditRow, seq: number): boolean {
    return hashAt(r, seq, r.prev_hash) === r.hash;
  }

  /** d such that the row is authentic at (its original seq + d), nearest first; null if none nearby. */
  private findShift(r: AuditRow): number | null {
    const base = r.seq + this.shift;
    for (let k = 1; k <= MAX_SHIFT; k++) {
      if (this.okAt(r, base + k)) return k;
      if (base - k > 0 && this.okAt(r, base - k)) return -k;
    }
    return null;
  }

  /** After an insertion: learn the renumbering from the row that follows. */
  private adjustShiftFrom(next: AuditRow | undefined): void {
    if (!next || this.okAt(next, next.seq + this.shift)) return;
    const d = this.findShift(next);
    if (d !== null) this.shift += d;
  }

  private async rowAtStored(seq: number): Promise<AuditRow | undefined> {
    for (let k = this.i; k < this.buf.length; k++) {
      const r = this.buf[k] as AuditRow;
      if (r.seq === seq) return r;
      if (r.seq > seq) break;
    }
    return this.source.rowAt(seq);
  }

  private problem(seq: number | null, kind: ProblemKind, message: string): void {
    this.hooks.report({ seq, kind, message });
  }

  private async anomaly(): Promise<void> {
    await this.ensure(LOOKAHEAD);
    const a = this.buf[this.i] as AuditRow;
    const b0 = this.buf[this.i + 1];
    const b = b0 && b0.seq === a.seq + 1 ? b0 : undefined;
    const expSeq = this.lastSeq + 1;
    const orig = a.seq + this.shift;

    if (a.seq > expSeq) {
      const from = expSeq + this.shift;
      const to = a.seq - 1 + this.shift;
      for (let s = from; s <= to && s - from < 10_000; s++) this.deleted.add(s);
      this.deletedCount += to - from + 1;
      this.problem(
        from,
        'deleted',
        from === to
          ? `missing: seq jumps from ${expSeq - 1} to ${a.seq}`
          : `entries ${from}–${to} missing: seq jumps from ${expSeq - 1} to ${a.seq}`,
      );
      this.lastSeq = a.seq - 1;
      // Whatever a linked to is gone; a itself is still checked.
      this.linkWaived = true;
      return;
    }
    if (a.seq < expSeq) {
      this.problem(orig, 'inserted', `seq ${a.seq} appears more than once`);
      this.i++;
      this.rows++;
      this.insertedCount++;
      return;
    }

    const linked = this.linkWaived || a.prev_hash === this.pHash;
    const authentic = this.okAt(a, orig);

    if (linked && !authentic) {
      if (!this.linkWaived && b && b.prev_hash === this.pHash) {
        this.problem(orig, 'inserted', 'not part of the chain: the next entry links past it');
        this.skip(a);
        this.adjustShiftFrom(b);
        return;
      }
      for (let k = this.i + 1; k <= this.i + LOOKAHEAD && k < this.buf.length; k++) {
        const m = this.buf[k] as AuditRow;
        const mOrig = m.seq + this.shift;
        if (hashAt(a, mOrig, m.prev_hash) === m.hash && hashAt(m, orig, a.prev_hash) === a.hash) {
          this.problem(orig, 'reordered', `contents swapped with entry ${mOrig}`);
          this.forgiven.set(m.seq, m.hash);
          this.accept(a, a.hash);
          return;
        }
      }
      const computed = hashAt(a, orig, a.prev_hash);
      if (b && b.prev_hash !== a.hash && b.prev_hash === computed) {
        this.problem(orig, 'altered', 'its stored hash was changed');
        this.accept(a, computed);
      } else {
        this.problem(orig, 'altered', 'hash mismatch');
        this.accept(a, a.hash);
      }
      return;
    }

    if (!linked && authentic) {
      if (!this.pGenesis && a.prev_hash === this.pPrevHash) {
        const pOrig = this.pSeq + this.shift;
        this.problem(pOrig, 'inserted', `not part of the chain: entry ${orig} links past it`);
        this.insertedCount++;
      } else if (this.pGenesis) {
        this.problem(orig, 'altered', 'it does not link to the start of the chain');
      } else {
        const pOrig = this.pSeq + this.shift;
        this.problem(
          pOrig,
          'altered',
          `content rewritten and re-hashed: entry ${orig} still links to the original`,
        );
      }
      this.accept(a, a.hash);
      return;
    }

    // Neither linked nor authentic where it stands.
    // A copy of the previous entry also links past it: name the copy, not the original.
    if (!this.pGenesis && a.hash === this.pHash) {
      this.problem(orig, 'inserted', `a copy of entry ${this.pSeq + this.shift}`);
      this.skip(a);
      this.adjustShiftFrom(b);
      return;
    }
    if (!this.pGenesis && a.prev_hash === this.pPrevHash) {
      const pOrig = this.pSeq + this.shift;
      this.problem(pOrig, 'inserted', 'not part of the chain: the next entry links past it');
      this.insertedCount++;
      const d = this.findShift(a);
      if (d !== null) this.shift += d;
      this.accept(a, a.hash);
      return;
    }
    const d = this.findShift(a);
    if (d !== null && d > 0) {
      const m = await this.rowAtStored(a.seq + d);
      if (m && this.okAt(m, orig) && m.prev_hash === this.pHash) {
        this.problem(orig, 'reordered', `swapped with entry ${orig + d}`);
        this.forgiven.set(m.seq, a.hash);
        this.accept(a, m.hash);
        return;
      }
      for (let s = orig; s < orig + d; s++) this.deleted.add(s);
      this.deletedCount += d;
      this.problem(
        orig,
        'deleted',
        d === 1
          ? 'missing: the entries after it were renumbered'
          : `entries ${orig}–${orig + d - 1} missing: the entries after them were renumbered`,
      );
      this.shift += d;
      this.accept(a, a.hash);
      return;
    }
    if (b && b.prev_hash === this.pHash) {
      this.problem(orig, 'inserted', 'not part of the chain: the next entry links past it');
      this.skip(a);
      this.adjustShiftFrom(b);
      return;
    }
    if (d !== null && d < 0) {
      this.problem(orig, 'inserted', `a copy of entry ${orig + d}`);
      this.skip(a);
      this.adjustShiftFrom(b);
      return;
    }
    if (this.copyLookups < MAX_COPY_LOOKUPS) {
      this.copyLookups++;
      const copy = await this.source.copyOf(a.hash, a.seq);
      if (copy !== null) {
        this.problem(orig, 'inserted', `a copy of entry ${copy}`);
        this.skip(a);
        this.adjustShiftFrom(b);
        return;
      }
    }
    if (hashAt(a, orig, this.pHash) === a.hash) {
      this.problem(orig, 'altered', 'its prev_hash was changed');
    } else {
      this.problem(orig, 'altered', `hash mismatch, and it does not link to entry ${this.pSeq + this.shift}`);
    }
    this.accept(a, a.hash);
  }
}
