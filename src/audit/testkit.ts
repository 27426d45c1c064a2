import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Database } from '../store/db.js';
import type { KeelSchema } from '../store/schema.js';
import { STORES, type TestStore } from '../store/testkit.js';
import { entryHash } from './chain.js';
import { type AuditLogWriter, createAuditLog } from './log.js';
import { type AuditRow, toNumber } from './store.js';

export const SIGNING_KEY = 'test-signing-key-0123456789abcdef';

export async function clearAudit(database: Database): Promise<void> {
  await database.db.deleteFrom('audit_log').execute();
  await database.db.deleteFrom('audit_checkpoints').execute();
}

/** n entries through the real writer, 1-based `i` in each entry's details. */
export async function seedAudit(
  database: Database,
  n: number,
  opts: { checkpointEvery?: number; signingKey?: string; checkpointFile?: string; close?: boolean } = {},
): Promise<void> {
  let t = 1_790_000_000_000;
  const log = createAuditLog(database, {
    checkpointEvery: opts.checkpointEvery ?? 1000,
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    ...(opts.checkpointFile ? { checkpointFile: opts.checkpointFile } : {}),
    now: () => t++,
    onError: (e) => {
      throw e;
    },
  });
  for (let i = 1; i <= n; i++)
    log.append({
      actor: i % 3 === 0 ? 'anonymous' : `admin:ops${i % 2}`,
      action: i % 2 === 0 ? 'key.update' : 'request.refused',
      target: i % 5 === 0 ? null : `key_${i}`,
      details: { i, reason: `reason ${i}`, nested: { ok: i % 2 === 0, list: [i, 'x'] } },
    });
  if (opts.close ?? true) await log.close();
  else await log.flush();
}

/**
 * The hooks of an audited-changes suite: `store` open for the whole describe; before each test
 * `tables` and the audit log emptied and a new audit log that writes nothing in the background (so
 * whatever is in audit_log came with its change), handed to `ready`.
 */
export function auditedChangesSuite(
  store: TestStore,
  tables: readonly (keyof KeelSchema)[],
  ready: (database: Database, audit: AuditLogWriter) => void,
): void {
  let database: Database | undefined;
  beforeAll(async () => {
    database = await store.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    if (!database) throw new Error('the store did not open');
    await clearAudit(database);
    for (const t of tables) await database.db.deleteFrom(t).execute();
    ready(database, createAuditLog(database, { checkpointEvery: 1000, flushIntervalMs: 600_000 }));
  });
}

/** `action target` of every audit entry, in order. */
export async function auditActions(database: Database): Promise<string[]> {
  return (await allRows(database)).map((r) => `${r.action} ${r.target}`);
}

export async function allRows(database: Database): Promise<AuditRow[]> {
  const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  return rows.map((r) => ({ ...r, seq: toNumber(r.seq), ts: toNumber(r.ts) }));
}

export async function rowAt(database: Database, seq: number): Promise<AuditRow> {
  const r = await database.db
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  return { ...r, seq: toNumber(r.seq), ts: toNumber(r.ts) };
}

type Writable = Omit<AuditRow, 'seq'>;

export async function setRow(database: Database, seq: number, row: Partial<Writable>): Promise<void> {
  await database.db.updateTable('audit_log').set(row).where('seq', '=', seq).execute();
}

export async function deleteRow(database: Database, seq: number): Promise<void> {
  await database.db.deleteFrom('audit_log').where('seq', '=', seq).execute();
}

/** Move every row with seq >= from by delta (in two steps, so the primary key never collides). */
export async function renumber(database: Database, from: number, delta: number): Promise<void> {
  await database.db
    .updateTable('audit_log')
    .set({ seq: sql`-(seq + ${delta})` })
    .where('seq', '>=', from)
    .execute();
  await database.db.updateTable('audit_log').set({ seq: sql`-seq` }).where('seq', '<', 0).execute();
}

export async function insertRow(database: Database, row: AuditRow): Promise<void> {
  await database.db.insertInto('audit_log').values(row).execute();
}

/** A row an attacker who knows the format (but not the signing key) would write at `seq`. */
export function forgedRow(seq: number, prevHash: string, over: Partial<AuditRow> = {}): AuditRow {
  const base = {
    seq,
    ts: 1_790_000_999_000,
    actor: 'admin:mallory',
    action: 'key.create',
    target: 'key_forged',
    details: '{"note":"forged"}',
    prev_hash: prevHash,
    ...over,
  };
  const hash =
    over.hash ??
    entryHash({
      seq: base.seq,
      ts: base.ts,
      actor: base.actor,
      action: base.action,
      target: base.target,
      details: base.details,
      prevHash: base.prev_hash,
    });
  return { ...base, hash };
}

/** Change one character of a string (at `at`, default the middle) to a different one. */
export function flipChar(s: string, at = Math.floor(s.length / 2)): string {
  const c = s[at] ?? 'a';
  const next = c === 'a' ? 'b' : c === '0' ? '1' : c === '"' || c === '{' || c === '}' ? c : 'a';
  if (next === c) return flipChar(s, at + 1);
  return s.slice(0, at) + next + s.slice(at + 1);
}

/** Rewrite rows [from, end] so the chain is self-consistent again (what a tamperer without the signing key can do). */
export async function rechainFrom(database: Database, from: number): Promise<void> {
  const rows = await allRows(database);
  let prev = rows.find((r) => r.seq === from - 1)?.hash ?? '0'.repeat(64);
  for (const r of rows) {
    if (r.seq < from) continue;
    const hash = entryHash({ ...r, prevHash: prev });
    await setRow(database, r.seq, { prev_hash: prev, hash });
    prev = hash;
  }
}

export type VerifyExtra = { workers?: number; parallelMinEntries?: number; handBackAfter?: number };
/**
 * SQLite runs twice: walked on one thread, and through the parallel fast path (3 workers, so breaks land
 * inside ranges and on seams; the exact walker hands back after 3 clean entries, so stretches after a
 * break, renumbered or not, go through the workers again).
 */
export function verifyModes(): Array<{ name: string; store: TestStore; extra: VerifyExtra }> {
  return STORES.flatMap(
    (store): Array<{ name: string; store: TestStore; extra: VerifyExtra }> =>
      store.name === 'sqlite'
        ? [
            { name: 'sqlite', store, extra: { workers: 0 } },
            {
              name: 'sqlite, parallel',
              store,
              extra: { workers: 3, parallelMinEntries: 1, handBackAfter: 3 },
            },
          ]
        : [{ name: store.name, store, extra: {} }],
  );
}

/**
 * Makes every insert into audit_log fail (a trigger, so the failure happens inside whatever transaction
 * writes the entry); the returned function removes it again.
 */
export async function breakAuditInserts(database: Database): Promise<() => Promise<void>> {
  if (database.dialect === 'sqlite') {
    await sql`create trigger audit_down before insert on audit_log begin select raise(abort, 'audit store down'); end`.execute(
      database.db,
    );
    return async () => {
      await sql`drop trigger audit_down`.execute(database.db);
    };
  }
  await sql`create or replace function audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit store down'; end $$`.execute(
    database.db,
  );
  await sql`create trigger audit_down before insert on audit_log for each row execute function audit_down()`.execute(
    database.db,
  );
  return async () => {
    await sql`drop trigger audit_down on audit_log`.execute(database.db);
    await sql`drop function audit_down()`.execute(database.db);
  };
}
