import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteHandleOf } from '../src/store/db.js';
import type { UsageWriter } from '../src/store/usage.js';
import { type FakeUpstream, startFakeOpenAI } from './fakes/index.js';
import { standardConfig } from './helpers/fixtures.js';
import { eventually, startKeel } from './helpers/keel.js';
import { type KeelProcess, requireBuild, startKeelProcess } from './helpers/keel-process.js';
import { usageCounts } from './helpers/usage-counts.js';

/**
 * SQLite faults under load: another process holding the write lock longer than Keel's busy timeout,
 * and a full database (a real SQLITE_FULL). Keel keeps answering, keeps every record in the spool
 * and in memory, never corrupts the file, and once the fault clears every answered call has exactly
 * one usage event.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'keel-storefaults-'));
let upstream: FakeUpstream;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await upstream?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Flagged (not blocked) by the default guard policy: a secret in the input. */
const FLAGGED = 'my key is AKIAIOSFODNN7EXAMPLE, keep it safe';

async function chat(url: string, headers: Record<string, string> = {}, stream = false, content = 'hello') {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content }] }),
  });
  const text = await res.text();
  return { status: res.status, id: res.headers.get('x-keel-request-id'), res, text };
}

/** Callers in a loop until stop(): the request ids of every 200 that arrived whole. */
function load(url: string, workers: number, headers: Record<string, string>) {
  const received: string[] = [];
  const failures: number[] = [];
  let stopped = false;
  const running = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; !stopped; i += workers) {
      const r = await chat(url, headers, i % 3 === 0);
      if (r.status === 200 && r.id) received.push(r.id);
      else failures.push(r.status);
    }
  });
  return {
    received,
    failures,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** The longest /healthz answer while `during` runs: the event loop never stalls for long. */
async function worstHealthLatency(url: string, during: Promise<unknown>): Promise<number> {
  let worst = 0;
  let done = false;
  void during.finally(() => {
    done = true;
  });
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${url}/healthz`);
    await r.text();
    worst = Math.max(worst, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worst;
}

async function integrity(dbUrl: string): Promise<string> {
  const database = await openDatabase(dbUrl, { migrate: false });
  try {
    return String(sqliteHandleOf(database)!.pragma('integrity_check', { simple: true }));
  } finally {
    await database.close();
  }
}

/** Another process takes the write lock (`BEGIN EXCLUSIVE`) and holds it until release(). */
async function holdWriteLock(file: string): Promise<{ release(): Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script, file], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('locked')) resolve();
    });
    void exited.then((code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  return {
    async release() {
      child.stdin!.write('release\n');
      expect(await exited).toBe(0);
      children.delete(child);
    },
  };
}

describe('SQLite held locked by another process (keel start, writer thread)', () => {
  let keel: KeelProcess;
  const dir = path.join(tmp, 'busy');
  const file = path.join(dir, 'keel.db');
  const dbUrl = `sqlite:${file}`;

  beforeAll(async () => {
    requireBuild();
    mkdirSync(dir, { recursive: true });
    keel = await startKeelProcess(
      dir,
      standardConfig(
        { openai: upstream, anthropic: upstream },
        {
          database: { url: dbUrl },
          durability: { spool_dir: path.join(dir, 'spool') },
          usage: { flush_interval_ms: 50, batch_size: 50 },
          budgets: [
            { scope: 'use_case', id: 'warm', usd: 100 },
            { scope: 'use_case', id: 'cold', usd: 100 },
          ],
          logging: { level: 'warn' },
        },
      ),
    );
    children.add(keel.child);
  });

  it('answers throughout, refuses only an unloadable budget, and catches up exactly once', async () => {
    // The `warm` budget is loaded before the fault; `cold` is first needed while the lock is held.
    expect((await chat(keel.url, { 'x-keel-use-case': 'warm' })).status).toBe(200);
    const lock = await holdWriteLock(file);
    const traffic = load(keel.url, 4, { 'x-keel-use-case': 'warm' });
    // Longer than the 5 s busy timeout: the writer thread's inserts fail with SQLITE_BUSY.
    const held = new Promise((r) => setTimeout(r, 6500));
    const worst = worstHealthLatency(keel.url, held);
    await new Promise((r) => setTimeout(r, 1000));
    // Loading a budget first flushes this process's buffered events, which cannot be written now:
    // failure_policy.budgets is closed by default, so the call is refused with a clear, typed 503.
    // A guard decision: its security event is written on the main connection, which the lock blocks too.
    const flagged = await chat(keel.url, { 'x-keel-use-case': 'warm' }, false, FLAGGED);
    expect(flagged.status).toBe(200);
    const cold = await chat(keel.url, { 'x-keel-use-case': 'cold' });
    expect(cold.status).toBe(503);
    expect(JSON.parse(cold.text)).toMatchObject({ error: { code: 'store_unavailable', type: 'api_error' } });
    expect(cold.res.headers.get('retry-after')).toBe('1');
    await held;
    // Each write on the main connection waits at most its short busy_timeout (it was 5 s: /healthz
    // took 10 s). The bound leaves room for a loaded CI machine.
    expect(await worst).toBeLessThan(500);
    await lock.release();
    await traffic.stop();
    expect(traffic.failures).toEqual([]);
    expect(traffic.received.length).toBeGreaterThan(20);
    expect(keel.output()).toMatch(/database is locked|SQLITE_BUSY/);

    // The fault cleared: budgets load again, and every answer has exactly one usage event.
    expect((await chat(keel.url, { 'x-keel-use-case': 'cold' })).status).toBe(200);
    await eventually(async () => {
      const counts = await usageCounts(dbUrl, traffic.received);
      expect(traffic.received.filter((id) => counts.get(id) !== 1)).toEqual([]);
    }, 20_000);
    await eventually(async () => {
      const database = await openDatabase(dbUrl, { migrate: false });
      try {
        const rows = await database.db
          .selectFrom('security_events')
          .select(['detector', 'message_index', 'event_key'])
          .where('request_id', '=', flagged.id!)
          .execute();
        // Written once each (a detector may report several findings), none lost.
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.map((r) => r.detector)).toContain('secrets');
        expect(new Set(rows.map((r) => r.event_key)).size).toBe(rows.length);
      } finally {
        await database.close();
      }
    }, 15_000);
    expect(await integrity(dbUrl)).toBe('ok');
    keel.child.kill('SIGTERM');
    expect(await keel.exited, keel.output()).toBe(0);
    expect(readdirSync(path.join(dir, 'spool'))).toEqual([]);
  }, 60_000);
});

describe('SQLite full (SQLITE_FULL from max_page_count)', () => {
  it('answers, keeps records in memory and the spool, and writes them once there is room', async () => {
    const dir = path.join(tmp, 'full');
    const dbUrl = `sqlite:${path.join(dir, 'keel.db')}`;
    const spoolDir = path.join(dir, 'spool');
    const keel = await startKeel(
      standardConfig(
        { openai: upstream, anthropic: upstream },
        {
          database: { url: dbUrl },
          durability: { spool_dir: spoolDir },
          usage: { flush_interval_ms: 60_000, batch_size: 100_000 },
        },
      ),
    );
    try {
      // The usage writer itself (services.usage is typed as the sink it implements).
      const writer = keel.app.services.usage as unknown as UsageWriter;
      const sqlite = sqliteHandleOf(keel.app.services.database)!;
      const pages = Number(sqlite.pragma('page_count', { simple: true }));
      // The database may not grow by a single page from here on: a real SQLITE_FULL.
      sqlite.pragma(`max_page_count = ${pages}`);
      const ids: string[] = [];
      for (let i = 0; i < 120; i++) {
        const r = await chat(keel.url, {}, i % 3 === 0);
        expect(r.status).toBe(200);
        ids.push(r.id!);
      }
      await expect(keel.app.services.usage.flush()).rejects.toMatchObject({ code: 'SQLITE_FULL' });
      // Nothing dropped: every event waits in memory and in the spool.
      expect(writer.pending).toBe(ids.length);
      const spooled = readdirSync(spoolDir)
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => readFileSync(path.join(spoolDir, f), 'utf8'))
        .join('');
      expect(ids.filter((id) => !spooled.includes(id))).toEqual([]);
      // Reads still work, writes do not: ready for traffic, but degraded, with the backlog.
      const degraded = await fetch(`${keel.url}/readyz`);
      expect(degraded.status).toBe(200);
      expect(await degraded.json()).toMatchObject({
        status: 'degraded',
        writes: 'failing',
        usage_pending: ids.length,
      });
      // Repeated failures must not make the writer give up on the rows.
      for (let i = 0; i < 3; i++) await keel.app.services.usage.flush().catch(() => undefined);
      expect(writer.pending).toBe(ids.length);

      sqlite.pragma('max_page_count = 1073741823');
      await keel.app.services.usage.flush();
      const counts = await usageCounts(dbUrl, ids);
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      expect(String(sqlite.pragma('integrity_check', { simple: true }))).toBe('ok');
      expect(await (await fetch(`${keel.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    } finally {
      await keel.close();
    }
  }, 60_000);
});

/** A 64 KiB tmpfs for the spool (needs root, or CAP_SYS_ADMIN); null where mounting is not allowed. */
function smallDisk(dir: string): { umount(): void } | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { umount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
}

describe('spool on a full disk (ENOSPC)', () => {
  it('answers every call and records it through the writer once the spool can take no more', async (t) => {
    const dir = path.join(tmp, 'spool-full');
    const spoolDir = path.join(dir, 'spool');
    const disk = smallDisk(spoolDir);
    if (!disk) {
      t.skip();
      return;
    }
    try {
      const dbUrl = `sqlite:${path.join(dir, 'keel.db')}`;
      const keel = await startKeel(
        standardConfig(
          { openai: upstream, anthropic: upstream },
          {
            database: { url: dbUrl },
            durability: { spool_dir: spoolDir },
            // Nothing is committed (so nothing leaves the spool) until the flush below.
            usage: { flush_interval_ms: 60_000, batch_size: 100_000 },
          },
        ),
      );
      try {
        const ids: string[] = [];
        for (let i = 0; i < 150; i++) {
          const r = await chat(keel.url, {}, i % 3 === 0);
          expect(r.status).toBe(200);
          ids.push(r.id!);
        }
        const spooled = readdirSync(spoolDir)
          .filter((f) => f.endsWith('.jsonl'))
          .map((f) => readFileSync(path.join(spoolDir, f), 'utf8'))
          .join('');
        // The disk filled up: later events never reached the spool, but every call was answered.
        expect(ids.filter((id) => !spooled.includes(id)).length).toBeGreaterThan(0);
        await keel.app.services.usage.flush();
        const counts = await usageCounts(dbUrl, ids);
        expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      } finally {
        await keel.close();
      }
    } finally {
      disk.umount();
    }
  }, 60_000);
});
