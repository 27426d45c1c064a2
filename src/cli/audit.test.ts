import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRow, renumber, rowAt, seedAudit, setRow } from '../audit/testkit.js';
import { openDatabase } from '../store/db.js';
import { runAudit } from './audit.js';
import type { Io } from './main.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KEY = 'cli-test-signing-key-0123456789';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { out: (s) => out.push(s), err: (s) => err.push(s), env: {} };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

let n = 0;
/** A fresh store with 25 entries (checkpoints every 10 and on close) and a config pointing at it. */
async function setup(): Promise<{ config: string; db: string; file: string }> {
  const dir = path.join(tmp, `case-${n++}`);
  const db = `sqlite:${dir}/keel.db`;
  const file = path.join(dir, 'checkpoints.jsonl');
  const config = path.join(dir, 'keel.yaml');
  const database = await openDatabase(db);
  await seedAudit(database, 25, { checkpointEvery: 10, signingKey: KEY, checkpointFile: file });
  await database.close();
  writeFileSync(
    config,
    `database:\n  url: ${db}\naudit:\n  signing_key: ${KEY}\n  checkpoint_every: 10\n  checkpoint_file: ${file}\n`,
  );
  return { config, db, file };
}

async function tamper(db: string, fn: (d: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>) {
  const database = await openDatabase(db);
  try {
    await fn(database);
  } finally {
    await database.close();
  }
}

describe('keel audit', () => {
  let intact: { config: string; db: string; file: string };
  beforeAll(async () => {
    intact = await setup();
  });

  it('verify exits 0 on an intact log', async () => {
    const t = io();
    expect(await runAudit(['verify', '--config', intact.config], t.io)).toBe(0);
    expect(t.out()).toMatch(
      /^audit log intact: 25 entries, 3 checkpoints verified, head 25 [0-9a-f]{16}…\n$/,
    );
    expect(t.err()).toBe('');
  });

  it.each([
    [
      'one byte changed',
      'altered',
      13,
      async (d: Awaited<ReturnType<typeof openDatabase>>) => setRow(d, 13, { actor: 'admin:opz1' }),
    ],
    ['one entry deleted', 'deleted', 7, (d: Awaited<ReturnType<typeof openDatabase>>) => deleteRow(d, 7)],
    [
      'two entries swapped',
      'reordered',
      18,
      async (d: Awaited<ReturnType<typeof openDatabase>>) => {
        const { seq: _a, ...a } = await rowAt(d, 18);
        const { seq: _b, ...b } = await rowAt(d, 19);
        await setRow(d, 18, b);
        await setRow(d, 19, a);
      },
    ],
    [
      'one entry inserted',
      'inserted',
      4,
      async (d: Awaited<ReturnType<typeof openDatabase>>) => {
        const copy = await rowAt(d, 3);
        await renumber(d, 4, 1);
        await d.db
          .insertInto('audit_log')
          .values({ ...copy, seq: 4, actor: 'admin:mallory' })
          .execute();
      },
    ],
  ] as const)('verify exits 1 and names the entry when %s', async (_name, kind, seq, fn) => {
    const s = await setup();
    await tamper(s.db, fn);
    const t = io();
    expect(await runAudit(['verify', '--config', s.config], t.io)).toBe(1);
    expect(t.err().split('\n')[0]).toMatch(
      new RegExp(`^audit chain broken at entry ${seq}: ${kind} \\(.+\\)$`),
    );
    const j = io();
    expect(await runAudit(['verify', '--config', s.config, '--json'], j.io)).toBe(1);
    expect(JSON.parse(j.out()).problems[0]).toMatchObject({ seq, kind });
  });

  it('prints the issue’s wording for a one-byte change', async () => {
    const s = await setup();
    await tamper(s.db, async (d) =>
      setRow(d, 12, { details: (await rowAt(d, 12)).details.replace('12', '13') }),
    );
    const t = io();
    expect(await runAudit(['verify', '--config', s.config], t.io)).toBe(1);
    expect(t.err()).toBe('audit chain broken at entry 12: altered (hash mismatch)\n');
  });

  it('verify --checkpoints catches a truncated tail the database no longer shows', async () => {
    const s = await setup();
    const copy = path.join(tmp, `kept-${n}.jsonl`);
    writeFileSync(copy, readFileSync(s.file));
    await tamper(s.db, async (d) => {
      await d.db.deleteFrom('audit_log').where('seq', '>', 15).execute();
      await d.db.deleteFrom('audit_checkpoints').where('seq', '>', 15).execute();
    });
    rmSync(s.file);
    const without = io();
    expect(await runAudit(['verify', '--config', s.config], without.io)).toBe(0);
    expect(without.err()).toContain('does not exist');
    const t = io();
    expect(await runAudit(['verify', '--config', s.config, '--checkpoints', copy], t.io)).toBe(1);
    expect(t.err()).toMatch(/^audit log truncated at entry 16: truncated \(entries 16–25 missing/);
  });

  it('list shows entries newest first, filtered', async () => {
    const t = io();
    expect(await runAudit(['list', '--config', intact.config, '--limit', '3'], t.io)).toBe(0);
    const lines = t.out().trim().split('\n');
    expect(lines[0]).toMatch(/^seq\s+time\s+actor\s+action\s+target\s+details$/);
    expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['25', '24', '23']);
    expect(t.out()).toContain('more: keel audit list --before 23');
    const f = io();
    expect(
      await runAudit(['list', '--config', intact.config, '--action', 'key.update', '--json'], f.io),
    ).toBe(0);
    const page = JSON.parse(f.out());
    expect(page.entries.map((e: { seq: number }) => e.seq)).toEqual([
      24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2,
    ]);
    const bad = io();
    expect(await runAudit(['list', '--config', intact.config, '--limit', '0'], bad.io)).toBe(2);
    expect(bad.err()).toContain('--limit');
  });

  it('checkpoint writes a signed checkpoint of the head, once', async () => {
    const s = await setup();
    await tamper(s.db, async (d) => {
      // New entries since the last checkpoint, written by a process that did not close cleanly.
      const { createAuditLog } = await import('../audit/log.js');
      const log = createAuditLog(d, { checkpointEvery: 100, signingKey: KEY });
      log.append({ actor: 'system', action: 'test.more' });
      await log.flush();
    });
    const t = io();
    expect(await runAudit(['checkpoint', '--config', s.config], t.io)).toBe(0);
    expect(t.out()).toMatch(
      /^checkpoint at entry 26 \(head [0-9a-f]{16}…\), signed HMAC-SHA256, appended to /,
    );
    const lines = readFileSync(s.file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ seq: 26, count: 26 });
    const again = io();
    expect(await runAudit(['checkpoint', '--config', s.config], again.io)).toBe(0);
    expect(again.out()).toBe('entry 26 is already checkpointed\n');
    const v = io();
    expect(await runAudit(['verify', '--config', s.config], v.io)).toBe(0);
    expect(v.out()).toContain('4 checkpoints verified');
  });

  it('answers help and rejects unknown commands', async () => {
    const h = io();
    expect(await runAudit([], h.io)).toBe(0);
    expect(h.out()).toContain('keel audit <command>');
    const u = io();
    expect(await runAudit(['frobnicate'], u.io)).toBe(2);
    expect(u.err()).toContain('unknown command');
  });
});
