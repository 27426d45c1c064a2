import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import {
  canonicalJson,
  checkpointCanonical,
  entryHash,
  GENESIS_HASH,
  signCheckpoint,
  signingKeyId,
} from './chain.js';
import { createAuditLog } from './log.js';
import { readCheckpoints } from './store.js';
import { allRows, clearAudit, SIGNING_KEY } from './testkit.js';
import { verifyAudit } from './verify.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-log-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(STORES)('audit log writer on $name', (store) => {
  let database: Database;
  let run = 0;
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);

  beforeAll(async () => {
    database = await store.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    errors.length = 0;
    await clearAudit(database);
  });

  it('appends synchronously, writes in append order on flush, and chains from the genesis hash', async () => {
    let t = 1_000;
    const log = createAuditLog(database, {
      checkpointEvery: 1000,
      now: () => t++,
      flushIntervalMs: 60_000,
      onError,
    });
    log.append({
      actor: 'admin:root',
      action: 'key.create',
      target: 'key_1',
      details: { b: 2, a: { y: 1, x: [1, 'two'] } },
    });
    log.append({ actor: 'anonymous', action: 'request.refused' });
    log.append({
      actor: 'key:key_1',
      action: 'request.refused',
      target: 'req_1',
      details: { code: 'budget_exceeded' },
    });
    expect(log.pending).toBe(3);
    expect(await allRows(database)).toEqual([]);
    await log.flush();
    expect(log.pending).toBe(0);

    const rows = await allRows(database);
    expect(rows.map((r) => [r.seq, r.ts, r.actor, r.target])).toEqual([
      [1, 1000, 'admin:root', 'key_1'],
      [2, 1001, 'anonymous', null],
      [3, 1002, 'key:key_1', 'req_1'],
    ]);
    // details are stored as canonical JSON: sorted keys, no whitespace.
    expect(rows[0]?.details).toBe('{"a":{"x":[1,"two"],"y":1},"b":2}');
    expect(rows[1]?.details).toBe('{}');
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!r) continue;
      // The stored hash is SHA-256 over the documented canonical form.
      const canonical = canonicalJson({
        seq: r.seq,
        ts: r.ts,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: JSON.parse(r.details),
        prev_hash: r.prev_hash,
      });
      expect(entryHash({ ...r, prevHash: r.prev_hash })).toBe(r.hash);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.prev_hash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]?.hash);
      expect(canonical).toContain(`"seq":${r.seq}`);
    }
    await log.close();
    expect(errors).toEqual([]);
  });

  it('writes in the background without flush, batching', async () => {
    const log = createAuditLog(database, {
      checkpointEvery: 1000,
      flushIntervalMs: 5,
      batchSize: 10,
      onError,
    });
    for (let i = 0; i < 25; i++) log.append({ actor: 'system', action: 'test.tick', details: { i } });
    const deadline = Date.now() + 3000;
    while ((await allRows(database)).length < 25 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const rows = await allRows(database);
    expect(rows.map((r) => JSON.parse(r.details).i)).toEqual([...Array(25).keys()]);
    await log.close();
  });

  it('masks secrets before hashing and storing', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, onError });
    log.append({
      actor: 'admin:root',
      action: 'key.rotate',
      target: 'key_1',
      details: {
        api_key: 'sk-keel-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd',
        headers: { Authorization: 'Bearer sk-proj-abcdefghijklmnopqrstuvwxyz012345' },
        note: 'client sent sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 by mistake',
        key_id: 'key_1',
      },
    });
    await log.close();
    const [row] = await allRows(database);
    expect(row?.details).not.toMatch(/sk-keel-AbCdEfGhIj|abcdefghijklmnop/);
    expect(JSON.parse(row?.details ?? '{}')).toEqual({
      api_key: 'sk-keel-AbCd…',
      headers: { Authorization: 'Bearer sk-proj-abcd…' },
      note: 'client sent sk-ant-api03-abcd… by mistake',
      key_id: 'key_1',
    });
    expect((await verifyAudit(database)).ok).toBe(true);
  });

  it('snapshots details at append time', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 60_000, onError });
    const details = { state: 'before' };
    log.append({ actor: 'system', action: 'test.snapshot', details });
    details.state = 'after';
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    log.append({ actor: 'system', action: 'test.cyclic', details: cyclic });
    await log.close();
    const rows = await allRows(database);
    expect(JSON.parse(rows[0]?.details ?? '')).toEqual({ state: 'before' });
    expect(rows).toHaveLength(2);
  });

  it('continues the chain across restarts (the head is read from the store)', async () => {
    const first = createAuditLog(database, { checkpointEvery: 1000, onError });
    for (let i = 0; i < 3; i++) first.append({ actor: 'system', action: 'boot.one' });
    await first.close();
    const second = createAuditLog(database, { checkpointEvery: 1000, onError });
    expect(await second.head()).toEqual({ seq: 3, hash: (await allRows(database))[2]?.hash });
    for (let i = 0; i < 2; i++) second.append({ actor: 'system', action: 'boot.two' });
    await second.close();
    const rows = await allRows(database);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[3]?.prev_hash).toBe(rows[2]?.hash);
    expect((await verifyAudit(database)).ok).toBe(true);
  });

  it('two writers on one store interleave into one valid chain', async () => {
    const a = createAuditLog(database, { checkpointEvery: 7, batchSize: 5, flushIntervalMs: 1, onError });
    const b = createAuditLog(database, { checkpointEvery: 7, batchSize: 3, flushIntervalMs: 1, onError });
    for (let i = 0; i < 40; i++) {
      a.append({ actor: 'writer:a', action: 'test.write', details: { i } });
      b.append({ actor: 'writer:b', action: 'test.write', details: { i } });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all([a.close(), b.close()]);
    const rows = await allRows(database);
    expect(rows).toHaveLength(80);
    // Each writer's own entries keep their append order.
    for (const w of ['writer:a', 'writer:b'])
      expect(rows.filter((r) => r.actor === w).map((r) => JSON.parse(r.details).i)).toEqual([
        ...Array(40).keys(),
      ]);
    const r = await verifyAudit(database);
    expect(r.problems).toEqual([]);
    expect(r.entries).toBe(80);
  });

  it('checkpoints every N entries and on close, signed, into the table and the file', async () => {
    const file = path.join(tmp, `cp-${store.name}-${run++}.jsonl`);
    let t = 5_000;
    const log = createAuditLog(database, {
      checkpointEvery: 4,
      signingKey: SIGNING_KEY,
      checkpointFile: file,
      now: () => t++,
      batchSize: 3,
      onError,
    });
    for (let i = 0; i < 10; i++) log.append({ actor: 'system', action: 'test.cp', details: { i } });
    await log.flush();
    let cps = await readCheckpoints(database);
    expect(cps.map((c) => c.seq)).toEqual([4, 8]);
    await log.close();
    cps = await readCheckpoints(database);
    expect(cps.map((c) => [c.seq, c.count])).toEqual([
      [4, 4],
      [8, 8],
      [10, 10],
    ]);
    const rows = await allRows(database);
    for (const c of cps) {
      expect(c.headHash).toBe(rows[c.seq - 1]?.hash);
      expect(c.signature).toBe(signCheckpoint(c, SIGNING_KEY));
      expect(c).toMatchObject({ alg: 'HMAC-SHA256', keyId: signingKeyId(SIGNING_KEY) });
      expect(checkpointCanonical(c)).toBe(
        `{"count":${c.count},"head_hash":"${c.headHash}","seq":${c.seq},"ts":${c.ts}}`,
      );
    }
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(
      cps.map((c) => ({
        seq: c.seq,
        count: c.count,
        head_hash: c.headHash,
        ts: c.ts,
        signature: c.signature,
        key_id: c.keyId,
        alg: c.alg,
      })),
    );
    // No key: checkpoints are still written, unsigned.
    const unsigned = createAuditLog(database, { checkpointEvery: 100, onError });
    unsigned.append({ actor: 'system', action: 'test.cp' });
    expect(await unsigned.checkpoint()).toMatchObject({ seq: 11, signature: null, keyId: null, alg: null });
    // Nothing new since: nothing to checkpoint.
    expect(await unsigned.checkpoint()).toBeNull();
    await unsigned.close();
    expect(await readCheckpoints(database)).toHaveLength(4);
    expect(errors).toEqual([]);
  });

  it('never loses entries when writes fail: retries until the store is back', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 5, onError });
    log.append({ actor: 'system', action: 'test.before' });
    await log.flush();
    await sql`alter table audit_log rename to audit_log_away`.execute(database.db);
    try {
      for (let i = 0; i < 5; i++) log.append({ actor: 'system', action: 'test.during', details: { i } });
      await expect(log.flush()).rejects.toThrow();
      expect(log.pending).toBe(5);
      // The background writer keeps trying, and says so.
      const deadline = Date.now() + 3000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      expect(log.pending).toBe(5);
    } finally {
      await sql`alter table audit_log_away rename to audit_log`.execute(database.db);
    }
    log.append({ actor: 'system', action: 'test.after' });
    await log.close();
    const rows = await allRows(database);
    expect(rows.map((r) => r.action)).toEqual(['test.before', ...Array(5).fill('test.during'), 'test.after']);
    expect((await verifyAudit(database)).ok).toBe(true);
  });

  it('reports, and drops, entries appended after close', async () => {
    const log = createAuditLog(database, { checkpointEvery: 1000, onError });
    await log.close();
    log.append({ actor: 'system', action: 'late' });
    expect(errors).toHaveLength(1);
    expect(await allRows(database)).toEqual([]);
    await log.close();
  });
});
