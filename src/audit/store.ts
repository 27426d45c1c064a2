import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type Database, sqliteHandleOf, withoutBusyWait } from '../store/db.js';
import type { KeelSchema } from '../store/schema.js';
import type { PendingEntry } from '../store/spool/audit-journal.js';
import { writeTransaction } from '../store/write-transaction.js';
import { type Checkpoint, checkpointRow, entryHash, GENESIS_HASH, makeCheckpoint } from './chain.js';

export type { PendingEntry };

/**
 * The audit tables' I/O. Every write reads the chain head inside a transaction that holds the chain
 * lock (Postgres an advisory xact lock, SQLite the write lock of BEGIN IMMEDIATE), so a restarted
 * process, a second one such as `keel audit checkpoint` next to a running server, or an admin change
 * chaining its entries in its own transaction, continues the chain instead of forking it.
 */

/** A stored entry as the database returns it (snake_case, details as text). */
export interface AuditRow {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface Head {
  seq: number;
  hash: string;
}

export interface WritePlan {
  /** Checkpoint every entry whose seq is a multiple of this. */
  every: number;
  /** Also checkpoint the head after this write, unless it already is. */
  force: boolean;
  signingKey: string | undefined;
  now: () => number;
}

interface WriteResult {
  head: Head | null;
  /** Checkpoints this write created (not ones that already existed). */
  checkpoints: Checkpoint[];
}

/** Two int4 halves of "keelaudt": serialises audit writers across connections and processes. */
const LOCK_A = 0x6b65656c;
const LOCK_B = 0x61756474;
/** 8 parameters per row: well under both dialects' statement limits. */
const ROWS_PER_INSERT = 1000;
const COLUMNS = 'seq, ts, actor, action, target, details, prev_hash, hash';

export function toNumber(v: number | string | bigint): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Assign seq and hash to a batch, continuing from `head`. */
function chain(head: Head | null, batch: PendingEntry[]): AuditRow[] {
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const rows: AuditRow[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i] as PendingEntry;
    seq++;
    const hash = entryHash({ ...e, seq, prevHash: prev });
    rows[i] = {
      seq,
      ts: e.ts,
      actor: e.actor,
      action: e.action,
      target: e.target,
      details: e.details,
      prev_hash: prev,
      hash,
    };
    prev = hash;
  }
  return rows;
}

function plannedCheckpoints(
  rows: AuditRow[],
  head: Head | null,
  lastCheckpointSeq: number | null,
  plan: WritePlan,
): Checkpoint[] {
  const out: Checkpoint[] = [];
  const every = Math.max(1, Math.floor(plan.every));
  const ts = plan.now();
  for (const r of rows)
    if (r.seq % every === 0)
      out.push(makeCheckpoint({ seq: r.seq, count: r.seq, headHash: r.hash, ts }, plan.signingKey));
  const last = rows[rows.length - 1] ?? head;
  if (plan.force && last && last.seq > (lastCheckpointSeq ?? 0) && out[out.length - 1]?.seq !== last.seq)
    out.push(makeCheckpoint({ seq: last.seq, count: last.seq, headHash: last.hash, ts }, plan.signingKey));
  return out;
}

type RawRow = [number, number, string, string, string | null, string, string, string];

interface SqliteStatements {
  write: BetterSqlite3.Transaction<(batch: PendingEntry[], plan: WritePlan) => WriteResult>;
  /** Raw (array) rows: better-sqlite3 builds arrays much faster than named-property objects. */
  page: BetterSqlite3.Statement<[number, number], RawRow>;
}

const statements = new WeakMap<BetterSqlite3.Database, SqliteStatements>();

function sqliteStatements(sqlite: BetterSqlite3.Database): SqliteStatements {
  let s = statements.get(sqlite);
  if (s) return s;
  const head = sqlite.prepare<[], Head>('select seq, hash from audit_log order by seq desc limit 1');
  const lastCp = sqlite.prepare<[], { seq: number | null }>('select max(seq) as seq from audit_checkpoints');
  const insert = sqlite.prepare(`insert into audit_log (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertCp = sqlite.prepare(
    'insert into audit_checkpoints (seq, count, head_hash, ts, signature, key_id, alg) values (?, ?, ?, ?, ?, ?, ?) on conflict (seq) do nothing',
  );
  const write = sqlite.transaction((batch: PendingEntry[], plan: WritePlan): WriteResult => {
    const h = head.get() ?? null;
    const rows = chain(h, batch);
    for (const r of rows)
      insert.run(r.seq, r.ts, r.actor, r.action, r.target, r.details, r.prev_hash, r.hash);
    const planned = plannedCheckpoints(rows, h, plan.force ? (lastCp.get()?.seq ?? null) : null, plan);
    const created = planned.filter(
      (c) => insertCp.run(c.seq, c.count, c.headHash, c.ts, c.signature, c.keyId, c.alg).changes > 0,
    );
    const last = rows[rows.length - 1];
    return { head: last ? { seq: last.seq, hash: last.hash } : h, checkpoints: created };
  });
  const page = sqlite
    .prepare<[number, number], RawRow>(`select ${COLUMNS} from audit_log where seq > ? order by seq limit ?`)
    .raw(true);
  s = { write, page };
  statements.set(sqlite, s);
  return s;
}

/**
 * Chain a batch inside an open write transaction (see writeTransaction): Postgres takes the advisory
 * lock first, so every chain writer (the buffered writer, an admin change's own transaction, another
 * process) reads the head only once the previous one has committed.
 */
export async function chainInTransaction(
  trx: Kysely<KeelSchema>,
  dialect: Database['dialect'],
  batch: PendingEntry[],
  plan: WritePlan,
): Promise<WriteResult> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${LOCK_A}, ${LOCK_B})`.execute(trx);
  const h = await readHeadWith(trx);
  const rows = chain(h, batch);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    await trx
      .insertInto('audit_log')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute();
  let lastCp: number | null = null;
  if (plan.force) {
    const r = await trx
      .selectFrom('audit_checkpoints')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    lastCp = r?.seq === null || r?.seq === undefined ? null : toNumber(r.seq);
  }
  const created: Checkpoint[] = [];
  for (const c of plannedCheckpoints(rows, h, lastCp, plan)) {
    const r = await trx
      .insertInto('audit_checkpoints')
      .values(checkpointRow(c))
      .onConflict((oc) => oc.column('seq').doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) created.push(c);
  }
  const last = rows[rows.length - 1];
  return { head: last ? { seq: last.seq, hash: last.hash } : h, checkpoints: created };
}

/** Append a batch (may be empty, to only force a checkpoint) as one transaction. */
/**
 * `wait: false` (background batches on SQLite): a lock held by another connection fails the write
 * with SQLITE_BUSY at once instead of holding the event loop in SQLite's busy handler.
 */
export async function writeEntries(
  database: Database,
  batch: PendingEntry[],
  plan: WritePlan,
  { wait = true }: { wait?: boolean } = {},
): Promise<WriteResult> {
  const sqlite = sqliteHandleOf(database);
  // Synchronous fast path, unless a Kysely transaction is open on the same connection (it would join it).
  if (sqlite && !sqlite.inTransaction) {
    const write = () => sqliteStatements(sqlite).write.immediate(batch, plan);
    return wait ? write() : withoutBusyWait(sqlite, write);
  }
  return writeTransaction(database, (trx) => chainInTransaction(trx, database.dialect, batch, plan));
}

async function readHeadWith(db: Kysely<KeelSchema> | Transaction<KeelSchema>): Promise<Head | null> {
  const r = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { seq: toNumber(r.seq), hash: r.hash } : null;
}

export function readHead(database: Database): Promise<Head | null> {
  return readHeadWith(database.db);
}

/** Rows with seq > afterSeq, in seq order: the verifier's keyset paging. */
export async function readPage(database: Database, afterSeq: number, limit: number): Promise<AuditRow[]> {
  const sqlite = sqliteHandleOf(database);
  if (sqlite) {
    const raw = sqliteStatements(sqlite).page.all(afterSeq, limit);
    const rows: AuditRow[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i] as RawRow;
      rows[i] = {
        seq: r[0],
        ts: r[1],
        actor: r[2],
        action: r[3],
        target: r[4],
        details: r[5],
        prev_hash: r[6],
        hash: r[7],
      };
    }
    return rows;
  }
  const rows = await database.db
    .selectFrom('audit_log')
    .select(['seq', 'ts', 'actor', 'action', 'target', 'details', 'prev_hash', 'hash'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: toNumber(r.seq), ts: toNumber(r.ts) }));
}

export async function readRowAt(database: Database, seq: number): Promise<AuditRow | undefined> {
  const r = await database.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
  return r ? { ...r, seq: toNumber(r.seq), ts: toNumber(r.ts) } : undefined;
}

/** Another row carrying this hash (a copy), found by a scan: only used to explain a break. */
export async function findSeqByHash(
  database: Database,
  hash: string,
  exceptSeq: number,
): Promise<number | null> {
  const r = await database.db
    .selectFrom('audit_log')
    .select('seq')
    .where('hash', '=', hash)
    .where('seq', '<>', exceptSeq)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return r ? toNumber(r.seq) : null;
}

export async function readCheckpoints(database: Database): Promise<Checkpoint[]> {
  const rows = await database.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
  return rows.map((r) => ({
    seq: toNumber(r.seq),
    count: toNumber(r.count),
    headHash: r.head_hash,
    ts: toNumber(r.ts),
    signature: r.signature,
    keyId: r.key_id,
    alg: r.alg,
  }));
}
