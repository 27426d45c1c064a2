import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from './lock.js';
import { listSegments, openSpool, readSegment, type Spool, spoolEnabled } from './spool.js';

let dir = '';
const open: Spool[] = [];
const errors: unknown[] = [];

function spool(extra: { segmentBytes?: number; segmentMaxAgeMs?: number } = {}): Spool {
  const s = openSpool({ dir, fsyncIntervalMs: 10, onError: (e) => errors.push(e), ...extra });
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'keel-spool-'));
  errors.length = 0;
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('spool', () => {
  it('appends one line per record, readable before any sync or close', () => {
    const s = spool();
    const seg = s.append('u', { requestId: 'r1', n: 1 });
    s.append('a', { action: 'request.refused', target: 'r2' });
    const [only] = listSegments(dir);
    expect(only?.id).toBe(seg);
    // What a kill -9 right now would leave behind: the lines are in the file already.
    expect(readSegment(only!.path)).toEqual({
      records: [
        { t: 'u', v: { requestId: 'r1', n: 1 } },
        { t: 'a', v: { action: 'request.refused', target: 'r2' } },
      ],
      skipped: 0,
    });
    expect(s.outstanding).toBe(2);
  });

  it('rotates past the segment size and deletes a rotated segment once all its records settle', () => {
    const s = spool({ segmentBytes: 200 });
    const first = s.append('u', { pad: 'x'.repeat(150) });
    const second = s.append('u', { pad: 'y'.repeat(150) });
    expect(second).toBe(first);
    const third = s.append('u', { pad: 'z' });
    expect(third).toBe(first + 1);
    expect(listSegments(dir).map((x) => x.id)).toEqual([first, third]);

    s.settle(first, 1);
    expect(listSegments(dir).map((x) => x.id)).toEqual([first, third]);
    s.settle(first, 1);
    expect(listSegments(dir).map((x) => x.id)).toEqual([third]);
    // The active segment stays while in use, even when settled.
    s.settle(third, 1);
    expect(listSegments(dir).map((x) => x.id)).toEqual([third]);
    expect(s.outstanding).toBe(0);
  });

  it('close deletes settled segments and keeps the ones holding unsettled records', () => {
    const s = spool({ segmentBytes: 100 });
    const a = s.append('u', { pad: 'a'.repeat(120) });
    const b = s.append('u', { pad: 'b'.repeat(120) });
    s.settle(b, 1);
    s.close();
    expect(listSegments(dir).map((x) => x.id)).toEqual([a]);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('a new spool finds the segments a previous process left, and adopts them for replay', () => {
    const s1 = spool();
    const seg = s1.append('u', { requestId: 'r1' });
    s1.append('u', { requestId: 'r2' });
    // A killed process removes nothing: simulate by dropping the lock and reopening.
    rmSync(path.join(dir, LOCK_FILE));
    open.splice(open.indexOf(s1), 1);
    const s2 = spool();
    expect(s2.orphans.map((o) => o.id)).toEqual([seg]);
    const { records } = readSegment(s2.orphans[0]!.path);
    expect(records.map((r) => (r.v as { requestId: string }).requestId)).toEqual(['r1', 'r2']);
    expect(s2.append('u', { requestId: 'r3' })).toBe(seg + 1);
    s2.adopt(seg, 2);
    s2.settle(seg, 2);
    expect(listSegments(dir).map((x) => x.id)).toEqual([seg + 1]);
  });

  it('ignores a torn last line', () => {
    const file = path.join(dir, 'seg-000000000001.jsonl');
    writeFileSync(file, '{"t":"u","v":{"requestId":"r1"}}\n');
    appendFileSync(file, '{"t":"u","v":{"requestId":"r2"');
    expect(readSegment(file)).toEqual({ records: [{ t: 'u', v: { requestId: 'r1' } }], skipped: 1 });
  });

  it('refuses a directory whose lock is held by a live process', () => {
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => spool()).toThrow(/in use by process \d+/);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.ppid));
  });

  it('takes over a stale lock whose process is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    writeFileSync(path.join(dir, LOCK_FILE), `${pid}\n`);
    const s = spool();
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    s.close();
    open.splice(open.indexOf(s), 1);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('defaults: on for stores that outlive the process, off for test stores', () => {
    expect(spoolEnabled({}, 'sqlite:.keel/keel.db')).toBe(true);
    expect(spoolEnabled({}, 'postgres://db/keel')).toBe(true);
    expect(spoolEnabled({}, 'sqlite::memory:')).toBe(false);
    expect(spoolEnabled({}, 'pglite:')).toBe(false);
    expect(spoolEnabled({ spool: true }, 'pglite:')).toBe(true);
    expect(spoolEnabled({ spool: false }, 'sqlite:x.db')).toBe(false);
  });
});
