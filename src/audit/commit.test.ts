import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors.js';
import { type Database, openDatabase } from '../store/db.js';
import type { KeelSchema } from '../store/schema.js';
import { STORES } from '../store/testkit.js';
import { createAuditLog } from './log.js';
import { readCheckpoints } from './store.js';
import { allRows, breakAuditInserts, clearAudit } from './testkit.js';
import { verifyAudit } from './verify.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-commit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The change the tests audit: an admin user row (any table would do). */
async function addAdmin(trx: Kysely<KeelSchema>, name: string): Promise<void> {
  await trx
    .insertInto('admin_users')
    .values({
      id: `adm_${name}`,
      name,
      role: 'viewer',
      token_hash: createHash('sha256').update(name).digest('hex'),
      created_at: 1,
      revoked_at: null,
      created_by: 'test',
    })
    .execute();
}

async function adminNames(database: Database): Promise<string[]> {
  const rows = await database.db.selectFrom('admin_users').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

const created = (name: string) => ({ actor: 'admin:root', action: 'admin.create', target: name });

describe.each(STORES)('audited changes on $name', (store) => {
  let database: Database;
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);

  let url: string;

  beforeAll(async () => {
    url = await store.fresh();
    database = await openDatabase(url);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    errors.length = 0;
    await clearAudit(database);
    await database.db.deleteFrom('admin_users').execute();
  });

  it('commits the change and its entry together: readable when the call returns, no flush', async () => {
    // The background writer never runs in this test: only the change's own transaction writes.
    const log = createAuditLog(database, { checkpointEvery: 2, flushIntervalMs: 600_000, onError });
    const result = await log.commit(database, async (trx) => {
      await addAdmin(trx, 'ann');
      return { result: 'done', entries: [created('ann'), { ...created('ann'), action: 'admin.note' }] };
    });
    expect(result).toBe('done');
    expect(log.pending).toBe(0);
    const rows = await allRows(database);
    expect(rows.map((r) => [r.seq, r.action, r.target])).toEqual([
      [1, 'admin.create', 'ann'],
      [2, 'admin.note', 'ann'],
    ]);
    expect(await adminNames(database)).toEqual(['ann']);
    // checkpoint_every applies to entries chained this way too.
    expect((await readCheckpoints(database)).map((c) => c.seq)).toEqual([2]);
    // A change that changed nothing writes no entry.
    expect(await log.commit(database, async () => ({ result: 0, entries: [] }))).toBe(0);
    expect(await allRows(database)).toHaveLength(2);
    await log.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('rolls the change back when its entry cannot be written, and says so', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000, onError });
    await log.commit(database, async (trx) => {
      await addAdmin(trx, 'before');
      return { result: undefined, entries: [created('before')] };
    });
    const restore = await breakAuditInserts(database);
    try {
      const failed = log.commit(database, async (trx) => {
        await addAdmin(trx, 'lost');
        return { result: undefined, entries: [created('lost')] };
      });
      await expect(failed).rejects.toThrow(/audit entry could not be written, so the change was not made/);
      await failed.catch((e: unknown) => expect(String((e as Error).cause)).toMatch(/audit store down/));
    } finally {
      await restore();
    }
    expect(await adminNames(database)).toEqual(['before']);
    // The chain is unharmed and continues.
    await log.commit(database, async (trx) => {
      await addAdmin(trx, 'after');
      return { result: undefined, entries: [created('after')] };
    });
    expect((await allRows(database)).map((r) => r.target)).toEqual(['before', 'after']);
    await log.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('writes neither the change nor an entry when the change itself fails', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000, onError });
    const refusal = new KeelError('invalid_request', 'no');
    await expect(
      log.commit(database, async (trx) => {
        await addAdmin(trx, 'half');
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(await adminNames(database)).toEqual([]);
    expect(await allRows(database)).toEqual([]);
    await log.close();
  });

  it('refuses a change once the log is closed, or on another database', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, onError });
    const other = await openDatabase(`sqlite:${path.join(tmp, `other-${store.name}.db`)}`);
    try {
      await expect(
        log.commit(other, async () => ({ result: undefined, entries: [created('x')] })),
      ).rejects.toThrow(/own database/);
    } finally {
      await other.close();
    }
    await log.close();
    await expect(
      log.commit(database, async (trx) => {
        await addAdmin(trx, 'late');
        return { result: undefined, entries: [created('late')] };
      }),
    ).rejects.toThrow(/closed/);
    expect(await adminNames(database)).toEqual([]);
  });

  it('interleaves buffered appends and audited changes into one chain, checkpointed every N', async () => {
    // On a Postgres server the changes come through a second connection pool; SQLite and PGlite have one
    // connection per process (other processes are covered below).
    const second = store.name === 'postgres' ? await openDatabase(url) : database;
    const file = path.join(tmp, `cp-interleave-${store.name}.jsonl`);
    try {
      const a = createAuditLog(database, {
        checkpointEvery: 7,
        batchSize: 3,
        flushIntervalMs: 1,
        checkpointFile: file,
        onError,
      });
      const b = createAuditLog(second, { checkpointEvery: 7, checkpointFile: file, onError });
      const changes: Promise<number>[] = [];
      for (let i = 0; i < 30; i++) {
        a.append({ actor: 'anonymous', action: 'request.refused', details: { i } });
        a.append({ actor: 'system', action: 'guard.block', details: { i } });
        changes.push(
          b.commit(second, async (trx) => {
            await addAdmin(trx, `u${String(i).padStart(2, '0')}`);
            return { result: i, entries: [created(`u${String(i).padStart(2, '0')}`)] };
          }),
        );
        if (i % 4 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(await Promise.all(changes)).toEqual([...Array(30).keys()]);
      // Each close checkpoints the head it sees: flush first, so both see the same one.
      await a.flush();
      await Promise.all([a.close(), b.close()]);

      const rows = await allRows(database);
      expect(rows).toHaveLength(90);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      // The buffered writer keeps its append order.
      expect(rows.filter((r) => r.actor === 'anonymous').map((r) => JSON.parse(r.details).i)).toEqual([
        ...Array(30).keys(),
      ]);
      const audited = rows.filter((r) => r.action === 'admin.create').map((r) => r.target);
      expect(audited.sort()).toEqual(await adminNames(database));
      // Every multiple of 7 is checkpointed, whichever path wrote it, plus the head on close.
      const cps = (await readCheckpoints(database)).map((c) => c.seq);
      expect(cps).toEqual([7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 90]);
      const inFile = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq);
      expect([...new Set(inFile)].sort((x, y) => x - y)).toEqual(cps);
      const v = await verifyAudit(database, { checkpointFile: file });
      expect(v.problems).toEqual([]);
      expect(v.entries).toBe(90);
      expect(errors).toEqual([]);
    } finally {
      if (second !== database) await second.close();
    }
  });
});

/**
 * Another process appending to the same SQLite file by the chain protocol (BEGIN IMMEDIATE, read the
 * head, chain, insert), in a thread so that it runs while this one holds its transaction open. A change
 * that read the head before taking the write lock would fork the chain or fail with SQLITE_BUSY.
 */
const OTHER_WRITER = `
const { workerData, parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const Sqlite = require(workerData.module);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 5000');
const head = db.prepare('select seq, hash from audit_log order by seq desc limit 1');
const insert = db.prepare('insert into audit_log (seq, ts, actor, action, target, details, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?)');
const write = db.transaction((i) => {
  const h = head.get();
  const seq = (h ? h.seq : 0) + 1;
  const prev = h ? h.hash : '0'.repeat(64);
  const details = '{"i":' + i + '}';
  const text = '{"action":"test.other","actor":"process:other","details":' + details + ',"prev_hash":"' + prev + '","seq":' + seq + ',"target":null,"ts":' + i + '}';
  insert.run(seq, i, 'process:other', 'test.other', null, details, prev, createHash('sha256').update(text).digest('hex'));
});
const progress = new Int32Array(workerData.progress);
parentPort.postMessage('ready');
for (let i = 0; i < workerData.n; i++) {
  write.immediate(i);
  Atomics.store(progress, 0, i + 1);
  Atomics.notify(progress, 0);
}
db.close();
parentPort.postMessage('done');
`;

/** Atomics.waitAsync (Node 16+; typed only from lib ES2024). */
async function waitForChange(cell: Int32Array, from: number, timeoutMs: number): Promise<void> {
  const waitAsync = (
    Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
    }
  ).waitAsync;
  const r = waitAsync(cell, 0, from, timeoutMs);
  if (r.async) await r.value;
}

describe('audited changes on SQLite with another process writing the chain', () => {
  it('takes the write lock before reading the head: one valid chain, no busy errors', async () => {
    const file = path.join(tmp, 'two-processes.db');
    const database = await openDatabase(`sqlite:${file}`);
    try {
      const log = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000 });
      const n = 2000;
      const progress = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(OTHER_WRITER, {
        eval: true,
        workerData: {
          file,
          n,
          progress: progress.buffer,
          module: createRequire(import.meta.url).resolve('better-sqlite3'),
        },
      });
      const finished = new Promise<void>((resolve, reject) => {
        worker.on('message', (m) => m === 'done' && resolve());
        worker.once('error', reject);
      });
      await new Promise<void>((resolve) => worker.once('message', () => resolve()));
      // Progress is shared memory (the loop below would not see a message before it ends). After each
      // change the loop waits for the other writer to move on, so neither can starve the other.
      let made = 0;
      while (made < 40) {
        const i = made++;
        await log.commit(database, async (trx) => {
          // Read, then write (as the key store does): in a DEFERRED transaction the read would pin a
          // snapshot the other writer's commits make stale.
          await trx.selectFrom('admin_users').select('id').execute();
          await addAdmin(trx, `p${i}`);
          return { result: undefined, entries: [created(`p${i}`)] };
        });
        const seen = Atomics.load(progress, 0);
        if (seen >= n) break;
        await waitForChange(progress, seen, 10_000);
      }
      await finished;
      await log.close();
      const rows = await allRows(database);
      expect(rows.filter((r) => r.actor === 'process:other')).toHaveLength(n);
      // The two writers did interleave: the other process wrote between the first change and the last.
      const changes = rows.filter((r) => r.action === 'admin.create').map((r) => r.seq);
      const between = rows.filter(
        (r) => r.actor === 'process:other' && r.seq > (changes[0] ?? 0) && r.seq < (changes.at(-1) ?? 0),
      );
      expect(between.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.action === 'admin.create')).toHaveLength(made);
      expect(await adminNames(database)).toHaveLength(made);
      const v = await verifyAudit(database, { workers: 0 });
      expect(v.problems).toEqual([]);
      expect(v.entries).toBe(n + made);
    } finally {
      await database.close();
    }
  });
});
