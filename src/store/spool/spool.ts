import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  close as fsClose,
  fsync,
  mkdirSync,
  open,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from './lock.js';

/**
 * A local write-ahead spool for the records the request path promises (usage events, security
 * events, request-path audit entries). append() writes one JSON line with a synchronous write on an
 * O_APPEND fd, so by the time a response reaches the kernel its record is in the kernel too: a
 * `kill -9` or an OOM kill loses nothing. fdatasync runs every fsyncIntervalMs off the event loop, so
 * an OS crash or power loss loses at most that window (0: fdatasync on every append).
 *
 * Records go to numbered segment files. Each segment counts the records not yet committed to the
 * store; the writers report commits (settle) and a rotated segment whose count reaches zero is
 * deleted. Segments found at open belong to a previous process: they are replayed, then settled.
 */
export interface SpoolOptions {
  dir: string;
  /** fdatasync interval; 0 syncs every append (slow, strongest). */
  fsyncIntervalMs: number;
  /** Rotate the active segment past this size (default 8 MiB). */
  segmentBytes?: number;
  /** Rotate a non-empty active segment this often, so settled records leave the disk (default 5 s). */
  segmentMaxAgeMs?: number;
  /** Append, sync and delete failures (rate-limited by the caller's logger). */
  onError: (e: unknown) => void;
}

export interface SpoolSegment {
  id: number;
  path: string;
}

export interface Spool {
  readonly dir: string;
  /** Segments left by a previous process, oldest first, for replay. */
  readonly orphans: readonly SpoolSegment[];
  /**
   * Appends one record (a JSON line) synchronously; returns the segment that holds it, to be settled
   * once the record is in the store, or -1 when the write failed (reported; the record then lives
   * only in memory, as it would without a spool).
   */
  append(kind: RecordKind, value: unknown): number;
  /** Counts `n` records of an orphan segment as outstanding (they are being replayed). */
  adopt(segment: number, n: number): void;
  /** `n` records of `segment` are committed to the store. */
  settle(segment: number, n?: number): void;
  /** Records appended or adopted and not settled yet. */
  readonly outstanding: number;
  /**
   * Syncs and closes the active segment, deletes every segment whose records are all settled and
   * releases the lock. Call after the writers have flushed: segments still holding unsettled records
   * stay for the next start to replay.
   */
  close(): void;
}

/** u: usage event, s: security event, a: audit entry (already masked). */
/** Usage event, security event, audit entry, MCP tool call. */
export type RecordKind = 'u' | 's' | 'a' | 'm';

export interface SpoolRecord {
  t: RecordKind;
  v: unknown;
}

const SEGMENT_RE = /^seg-(\d{12})\.jsonl$/;
const segmentName = (id: number) => `seg-${String(id).padStart(12, '0')}.jsonl`;

export function openSpool(opts: SpoolOptions): Spool {
  const dir = opts.dir;
  mkdirSync(dir, { recursive: true });
  const release = acquireLock(dir);
  const segmentBytes = opts.segmentBytes ?? 8 * 1024 * 1024;
  const maxAgeMs = opts.segmentMaxAgeMs ?? 5000;
  const orphans = listSegments(dir);
  const counts = new Map<number, number>();
  let total = 0;
  let activeId = (orphans[orphans.length - 1]?.id ?? 0) + 1;
  let fd = -1;
  let bytes = 0;
  let dirty = false;
  let syncing = false;
  let closed = false;
  let failing = false;

  function openActive(): void {
    fd = openSync(join(dir, segmentName(activeId)), 'a', 0o600);
    bytes = 0;
    counts.set(activeId, 0);
    syncDir();
  }

  /** A new file survives power loss only once its directory entry is synced too. */
  function syncDir(): void {
    open(dir, 'r', (err, dfd) => {
      if (err) return;
      fsync(dfd, () => fsClose(dfd, () => undefined));
    });
  }

  function rotate(): void {
    const old = fd;
    const oldId = activeId;
    activeId++;
    openActive();
    // The old segment's last records may not be synced yet: sync before closing, off the event loop.
    fdatasync(old, (err) => {
      if (err) opts.onError(err);
      fsClose(old, () => undefined);
    });
    if ((counts.get(oldId) ?? 0) === 0) remove(oldId);
  }

  function remove(id: number): void {
    counts.delete(id);
    try {
      unlinkSync(join(dir, segmentName(id)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') opts.onError(e);
    }
  }

  openActive();
  let lastRotation = Date.now();

  const syncTimer =
    opts.fsyncIntervalMs > 0
      ? setInterval(() => {
          if (!dirty || syncing || fd < 0) return;
          dirty = false;
          syncing = true;
          fdatasync(fd, (err) => {
            syncing = false;
            if (err) opts.onError(err);
          });
        }, opts.fsyncIntervalMs)
      : undefined;
  syncTimer?.unref();
  const ageTimer = setInterval(
    () => {
      if (!closed && bytes > 0 && Date.now() - lastRotation >= maxAgeMs) {
        lastRotation = Date.now();
        rotate();
      }
    },
    Math.max(50, Math.floor(maxAgeMs / 2)),
  );
  ageTimer.unref();

  function append(kind: RecordKind, value: unknown): number {
    if (closed) return -1;
    let line: string;
    try {
      line = `{"t":"${kind}","v":${JSON.stringify(value)}}\n`;
    } catch (e) {
      opts.onError(e);
      return -1;
    }
    try {
      const n = writeSync(fd, line);
      const len = Buffer.byteLength(line);
      if (n < len) writeRest(fd, Buffer.from(line).subarray(n));
      bytes += len;
      if (opts.fsyncIntervalMs === 0) fdatasyncSync(fd);
      else dirty = true;
      failing = false;
    } catch (e) {
      if (!failing) opts.onError(new Error('could not append to the spool', { cause: e }));
      failing = true;
      return -1;
    }
    const id = activeId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    total++;
    if (bytes >= segmentBytes) {
      lastRotation = Date.now();
      rotate();
    }
    return id;
  }

  function settle(segment: number, n = 1): void {
    const c = counts.get(segment);
    if (c === undefined || segment < 0) return;
    const left = Math.max(0, c - n);
    total -= c - left;
    counts.set(segment, left);
    if (left === 0 && segment !== activeId) remove(segment);
  }

  return {
    dir,
    orphans,
    append,
    adopt(segment, n) {
      counts.set(segment, (counts.get(segment) ?? 0) + n);
      total += n;
      if (n === 0) remove(segment);
    },
    settle,
    get outstanding() {
      return total;
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(syncTimer);
      clearInterval(ageTimer);
      try {
        fdatasyncSync(fd);
      } catch (e) {
        opts.onError(e);
      }
      closeSync(fd);
      fd = -1;
      for (const [id, c] of [...counts]) if (c === 0) remove(id);
      release();
    },
  };
}

function writeRest(fd: number, rest: Buffer): void {
  let off = 0;
  while (off < rest.length) off += writeSync(fd, rest, off);
}

export function listSegments(dir: string): SpoolSegment[] {
  const out: SpoolSegment[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push({ id: Number(m[1]), path: join(dir, name) });
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The records of one segment, in order. A line that does not parse is skipped and counted: the last
 * line of a segment is torn when the process died inside a write (or the OS lost the tail).
 */
export function readSegment(path: string): { records: SpoolRecord[]; skipped: number } {
  const text = readFileSync(path, 'utf8');
  const records: SpoolRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const r = JSON.parse(line) as SpoolRecord;
      if (
        r &&
        (r.t === 'u' || r.t === 's' || r.t === 'a' || r.t === 'm') &&
        typeof r.v === 'object' &&
        r.v !== null
      )
        records.push(r);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

/** durability.spool, or its default: on for stores that outlive the process, off for test stores. */
export function spoolEnabled(durability: { spool?: boolean | undefined }, databaseUrl: string): boolean {
  if (durability.spool !== undefined) return durability.spool;
  if (/^pglite:/i.test(databaseUrl)) return false;
  return !/^sqlite:(?:\/\/)?:memory:$/i.test(databaseUrl);
}
