import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../store/db.js';
import { GENESIS_HASH } from './chain.js';
import {
  allRows,
  clearAudit,
  deleteRow,
  flipChar,
  forgedRow,
  insertRow,
  rechainFrom,
  renumber,
  rowAt,
  SIGNING_KEY,
  seedAudit,
  setRow,
  verifyModes,
} from './testkit.js';
import { type VerifyResult, verifyAudit } from './verify.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const N = 30;

function first(r: VerifyResult) {
  expect(r.ok).toBe(false);
  return r.problems[0];
}

describe.each(verifyModes())('verifyAudit on $name', ({ name, store, extra }) => {
  let database: Database;
  let file: string;
  let run = 0;
  // Small pages put breaks on page boundaries too.
  const verify = (pageSize = 7) =>
    verifyAudit(database, { ...extra, signingKey: SIGNING_KEY, checkpointFile: file, pageSize });

  beforeAll(async () => {
    database = await store.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await clearAudit(database);
    file = path.join(tmp, `checkpoints-${name.replace(/\W/g, '')}-${run++}.jsonl`);
    await seedAudit(database, N, { checkpointEvery: 10, signingKey: SIGNING_KEY, checkpointFile: file });
  });

  it('passes an intact chain, whatever the page size, and checks every checkpoint', async () => {
    for (const pageSize of [1, 7, 10_000]) {
      const r = await verify(pageSize);
      expect(r).toMatchObject({ ok: true, entries: N, checkpoints: 3, problems: [] });
      expect(r.head?.seq).toBe(N);
    }
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('reports progress per page', async () => {
    const seen: number[] = [];
    await verifyAudit(database, { ...extra, pageSize: 10, onProgress: (p) => seen.push(p.entries) });
    // Sequentially once per page; the parallel fast path reports once, when its workers are done.
    expect(seen.length).toBeGreaterThanOrEqual(extra.workers === 3 ? 1 : 3);
    expect(Math.max(...seen)).toBeLessThanOrEqual(N);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  describe('one byte changed in one stored entry → altered, naming it', () => {
    it('in details', async () => {
      const r = await rowAt(database, 12);
      await setRow(database, 12, { details: r.details.replace('reason 12', 'reason 13') });
      const p = first(await verify());
      expect(p).toMatchObject({ seq: 12, kind: 'altered' });
      expect(p?.message).toContain('hash mismatch');
    });

    it('in actor, the last entry', async () => {
      await setRow(database, N, { actor: flipChar((await rowAt(database, N)).actor) });
      expect(first(await verify())).toMatchObject({ seq: N, kind: 'altered' });
    });

    it('in the first entry', async () => {
      await setRow(database, 1, { action: 'request.refuset' });
      expect(first(await verify())).toMatchObject({ seq: 1, kind: 'altered' });
    });

    it('in ts', async () => {
      await setRow(database, 17, { ts: (await rowAt(database, 17)).ts + 1 });
      expect(first(await verify())).toMatchObject({ seq: 17, kind: 'altered' });
    });

    it('in its stored hash', async () => {
      await setRow(database, 15, { hash: flipChar((await rowAt(database, 15)).hash, 5) });
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 15, kind: 'altered' });
      expect(r.problems[0]?.message).toContain('stored hash');
    });

    it('in its prev_hash', async () => {
      await setRow(database, 8, { prev_hash: flipChar((await rowAt(database, 8)).prev_hash, 3) });
      expect(first(await verify())).toMatchObject({ seq: 8, kind: 'altered' });
    });

    it('and its hash recomputed by someone who knows the format', async () => {
      const r = await rowAt(database, 14);
      const forged = forgedRow(14, r.prev_hash, { ts: r.ts });
      await setRow(database, 14, { ...forged });
      const res = await verify();
      expect(first(res)).toMatchObject({ seq: 14, kind: 'altered' });
      expect(res.problems[0]?.message).toContain('re-hashed');
    });

    it('reports the damage once, not for every later entry', async () => {
      await setRow(database, 5, { target: 'key_x' });
      const r = await verify();
      expect(r.problems).toHaveLength(1);
    });
  });

  describe('one entry deleted → deleted, naming the missing entry', () => {
    it('leaving a seq gap', async () => {
      await deleteRow(database, 9);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 9, kind: 'deleted' });
      expect(r.problems).toHaveLength(1);
    });

    it('and the later entries renumbered to close the gap', async () => {
      await deleteRow(database, 9);
      await renumber(database, 10, -1);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 9, kind: 'deleted' });
      expect(r.problems).toHaveLength(1);
    });

    it('the first entry, with renumbering', async () => {
      await deleteRow(database, 1);
      await renumber(database, 2, -1);
      expect(first(await verify())).toMatchObject({ seq: 1, kind: 'deleted' });
    });

    it('an entry under a checkpoint, without renumbering', async () => {
      await deleteRow(database, 20);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 20, kind: 'deleted' });
      expect(r.problems).toHaveLength(1);
    });
  });

  describe('two entries swapped → reordered, naming the first', () => {
    it('contents exchanged (all columns but seq)', async () => {
      const [a, b] = [await rowAt(database, 6), await rowAt(database, 7)];
      const { seq: _a, ...aRest } = a;
      const { seq: _b, ...bRest } = b;
      await setRow(database, 6, bRest);
      await setRow(database, 7, aRest);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 6, kind: 'reordered' });
      expect(r.problems).toHaveLength(1);
    });

    it('seqs exchanged', async () => {
      await database.db.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', 21).execute();
      await database.db.updateTable('audit_log').set({ seq: 21 }).where('seq', '=', 22).execute();
      await database.db.updateTable('audit_log').set({ seq: 22 }).where('seq', '=', -1).execute();
      expect(first(await verify())).toMatchObject({ seq: 21, kind: 'reordered' });
    });

    it('non-adjacent entries', async () => {
      const [a, b] = [await rowAt(database, 3), await rowAt(database, 6)];
      const { seq: _a, ...aRest } = a;
      const { seq: _b, ...bRest } = b;
      await setRow(database, 3, bRest);
      await setRow(database, 6, aRest);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 3, kind: 'reordered' });
      expect(r.problems).toHaveLength(1);
    });

    it('only the payloads (ts, actor, action, target, details) exchanged', async () => {
      const [a, b] = [await rowAt(database, 24), await rowAt(database, 25)];
      const payload = (r: typeof a) => ({
        ts: r.ts,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details,
      });
      await setRow(database, 24, payload(b));
      await setRow(database, 25, payload(a));
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 24, kind: 'reordered' });
      expect(r.problems).toHaveLength(1);
    });

    it('the first two entries', async () => {
      await database.db.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', 1).execute();
      await database.db.updateTable('audit_log').set({ seq: 1 }).where('seq', '=', 2).execute();
      await database.db.updateTable('audit_log').set({ seq: 2 }).where('seq', '=', -1).execute();
      expect(first(await verify())).toMatchObject({ seq: 1, kind: 'reordered' });
    });
  });

  describe('one entry inserted → inserted, naming it', () => {
    it('spliced in with a fresh seq and the later entries renumbered (garbage hash)', async () => {
      const prev = await rowAt(database, 10);
      await renumber(database, 11, 1);
      await insertRow(database, forgedRow(11, prev.hash, { hash: 'f'.repeat(64) }));
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 11, kind: 'inserted' });
      expect(r.problems).toHaveLength(1);
    });

    it('spliced in with a correctly computed hash and link', async () => {
      const prev = await rowAt(database, 10);
      await renumber(database, 11, 1);
      await insertRow(database, forgedRow(11, prev.hash));
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 11, kind: 'inserted' });
      expect(r.problems).toHaveLength(1);
    });

    it('at the start of the chain', async () => {
      await renumber(database, 1, 1);
      await insertRow(database, forgedRow(1, GENESIS_HASH));
      expect(first(await verify())).toMatchObject({ seq: 1, kind: 'inserted' });
    });

    it('a duplicate of an entry, spliced in after it', async () => {
      const dup = await rowAt(database, 16);
      await renumber(database, 17, 1);
      await insertRow(database, { ...dup, seq: 17 });
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 17, kind: 'inserted' });
      expect(r.problems).toHaveLength(1);
    });

    it('a duplicate of an old entry appended at the end', async () => {
      const dup = await rowAt(database, 4);
      await insertRow(database, { ...dup, seq: N + 1 });
      expect(first(await verify())).toMatchObject({ seq: N + 1, kind: 'inserted' });
    });
  });

  describe('checkpoints', () => {
    it('catch tail truncation only through the checkpoint file', async () => {
      // Delete the newest entries and every database checkpoint that mentions them: the chain left is intact.
      await database.db.deleteFrom('audit_log').where('seq', '>', 17).execute();
      await database.db.deleteFrom('audit_checkpoints').where('seq', '>', 17).execute();
      const dbOnly = await verifyAudit(database, { ...extra, signingKey: SIGNING_KEY });
      expect(dbOnly.ok).toBe(true);
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 18, kind: 'truncated' });
      expect(r.problems[0]?.message).toContain('entries 18–30 missing');
    });

    it('catch tail truncation through database checkpoints too', async () => {
      await database.db.deleteFrom('audit_log').where('seq', '>', 25).execute();
      const r = await verifyAudit(database, { ...extra, signingKey: SIGNING_KEY });
      expect(first(r)).toMatchObject({ seq: 26, kind: 'truncated' });
    });

    it('catch a wholly truncated table', async () => {
      await database.db.deleteFrom('audit_log').execute();
      await database.db.deleteFrom('audit_checkpoints').execute();
      const r = await verify();
      expect(first(r)).toMatchObject({ seq: 1, kind: 'truncated' });
      expect(r.entries).toBe(0);
    });

    it('catch a forged checkpoint signature', async () => {
      await database.db
        .updateTable('audit_checkpoints')
        .set({ signature: 'ab'.repeat(32) })
        .where('seq', '=', 20)
        .execute();
      const r = await verifyAudit(database, { ...extra, signingKey: SIGNING_KEY });
      expect(first(r)).toMatchObject({ seq: 20, kind: 'bad_checkpoint' });
      expect(r.problems[0]?.message).toContain('invalid signature');
    });

    it('catch a forged checkpoint line in the file, and unsigned or foreign-key checkpoints', async () => {
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const forged = { ...JSON.parse(lines[0] as string), head_hash: 'e'.repeat(64) };
      const unsigned = { ...JSON.parse(lines[1] as string), signature: null, key_id: null, alg: null };
      writeFileSync(file, `${JSON.stringify(forged)}\n${JSON.stringify(unsigned)}\n${lines[2]}\nnot json\n`);
      const r = await verify();
      expect(r.problems.map((p) => [p.seq, p.kind])).toEqual([
        [10, 'bad_checkpoint'],
        [20, 'bad_checkpoint'],
        [null, 'bad_checkpoint'],
      ]);
      const other = await verifyAudit(database, { ...extra, signingKey: 'another-key-0123456789abcdef' });
      expect(first(other)).toMatchObject({ seq: 10, kind: 'bad_checkpoint' });
      expect(other.problems[0]?.message).toContain('another key');
    });

    it('catch a consistently rewritten chain with forged database checkpoints (no signing key needed to see it)', async () => {
      await setRow(database, 13, { actor: 'admin:mallory' });
      await rechainFrom(database, 13);
      const rows = await allRows(database);
      // A tamperer without the key can only rewrite checkpoints unsigned or with a bad signature.
      for (const s of [20, 30])
        await database.db
          .updateTable('audit_checkpoints')
          .set({ head_hash: rows[s - 1]?.hash as string, signature: null, key_id: null, alg: null })
          .where('seq', '=', s)
          .execute();
      // The database alone, without key or file, cannot tell.
      expect((await verifyAudit(database, extra)).ok).toBe(true);
      // The file can, even without the key.
      const byFile = await verifyAudit(database, { ...extra, checkpointFile: file });
      expect(first(byFile)).toMatchObject({ seq: 20, kind: 'bad_checkpoint' });
      expect(byFile.problems[0]?.message).toContain('after entry 10');
      // So can the key.
      const byKey = await verifyAudit(database, { ...extra, signingKey: SIGNING_KEY });
      expect(first(byKey)).toMatchObject({ seq: 20, kind: 'bad_checkpoint' });
    });

    it('a checkpoint whose count disagrees is reported', async () => {
      await database.db.updateTable('audit_checkpoints').set({ count: 11 }).where('seq', '=', 10).execute();
      const r = await verifyAudit(database, extra);
      expect(first(r)).toMatchObject({ seq: 10, kind: 'bad_checkpoint' });
      expect(r.problems[0]?.message).toContain('records 11 entries');
    });

    it('warns about what it could not check', async () => {
      const r = await verifyAudit(database, extra);
      expect(r.ok).toBe(true);
      expect(r.warnings.join(' ')).toContain('no signing key');
      expect(r.warnings.join(' ')).toContain('no checkpoint file');
    });
  });
});
