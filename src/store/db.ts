import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { type Dialect, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { KeelSchema, StoreDialect } from './schema.js';

export type { KeelSchema, StoreDialect } from './schema.js';

export interface Database {
  db: Kysely<KeelSchema>;
  dialect: StoreDialect;
  /** Cheap round trip, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * true (default): run pending migrations before returning. false: do not touch the schema.
   * 'require': do not migrate, and refuse (MigrationsPendingError) when migrations are pending.
   */
  migrate?: boolean | 'require';
  /**
   * PostgreSQL: how long to keep trying a server that is not reachable yet (starting, restarting)
   * before giving up with a DatabaseUnreachableError. 0 (default): one attempt.
   */
  waitMs?: number;
  /** Told about each failed attempt while waiting. */
  onWaiting?: (attempt: number, err: unknown) => void;
  /**
   * SQLite: busy_timeout of this connection once migrated (default 5000 ms, also used while
   * migrating). better-sqlite3 waits on the calling thread, so a serving process keeps it short:
   * see SERVING_BUSY_TIMEOUT_MS.
   */
  sqliteBusyTimeoutMs?: number;
}

/**
 * busy_timeout of the gateway's main SQLite connection. Another process holding the write lock (a
 * backup, a `sqlite3` shell) made every write on the event loop wait the full 5 s, freezing every
 * call: measured 10 s stalls of /healthz. Keel's own writer thread holds the lock for a few ms per
 * batch or rollup chunk, well within this; writes that give up are retried by their writers, and
 * admin transactions (writeTransaction) retry BEGIN IMMEDIATE off the event loop.
 */
export const SERVING_BUSY_TIMEOUT_MS = 100;

/**
 * Runs a synchronous write on a SQLite connection without waiting for a lock another connection
 * holds: SQLITE_BUSY at once (see isSqliteBusy) instead of sleeping in SQLite's busy handler, which
 * sleeps on the calling thread in steps of 1, 2, 5, 10, 15, 20… ms. For background batches on the
 * gateway's event loop, which retry later: the writer thread holds the lock a few ms per batch, and
 * a batch that met it stalled every request for 50–75 ms.
 */
export function withoutBusyWait<T>(sqlite: BetterSqlite3.Database, write: () => T): T {
  const before = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    return write();
  } finally {
    sqlite.pragma(`busy_timeout = ${before}`);
  }
}

export function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Opens the store named by a URL:
 *   sqlite:relative/or/absolute/path.db   (parent folders are created)
 *   sqlite::memory:
 *   postgres://… | postgresql://…         (pg connection pool)
 *   pglite: | pglite:/data/dir            (Postgres in-process; for tests)
 * Errors never echo the URL: a Postgres URL carries a password.
 */
export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const { dialect, kind, sqlite } = await createDialect(url);
  const db = new Kysely<KeelSchema>({ dialect });
  const database: Database = {
    db,
    dialect: kind,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
  if (sqlite) sqliteHandles.set(database, sqlite);
  if (kind === 'postgres' && !url.startsWith('pglite:')) await reachServer(database, opts);
  const migrate = opts.migrate ?? true;
  if (migrate !== false) {
    try {
      if (migrate === 'require') {
        const pending = await pendingMigrations(database);
        if (pending.length > 0) throw new MigrationsPendingError(pending);
      } else await migrateToLatest(database);
    } catch (e) {
      await database.close().catch(() => undefined);
      throw e;
    }
  }
  if (sqlite && opts.sqliteBusyTimeoutMs !== undefined)
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.sqliteBusyTimeoutMs))}`);
  return database;
}

const sqliteHandles = new WeakMap<Database, BetterSqlite3.Database>();

/**
 * The better-sqlite3 handle behind a SQLite store, for the usage writer's prepared-statement fast
 * path. Only safe to use synchronously and when `inTransaction` is false: otherwise a Kysely
 * transaction is open on the same connection and the write would join it.
 */
export function sqliteHandleOf(database: Database): BetterSqlite3.Database | undefined {
  return sqliteHandles.get(database);
}

/**
 * Applies pending migrations and returns their names (empty when the store was up to date). On
 * PostgreSQL Kysely's Migrator holds an advisory lock for the run, so replicas starting together
 * apply each migration once and the others wait, then find nothing pending.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${errorMessage(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this Keel knows that the store has not applied yet, in order. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.dialect) });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** `database.migrate: off` and the store is behind this Keel's schema. */
export class MigrationsPendingError extends Error {
  constructor(readonly pending: readonly string[]) {
    super(
      `the database has ${pending.length} pending migration(s) (${pending.join(', ')}) and ` +
        'database.migrate is off: run `keel migrate` first',
    );
    this.name = 'MigrationsPendingError';
  }
}

/** PostgreSQL could not be reached within `database.connect_wait_s`. */
export class DatabaseUnreachableError extends Error {
  constructor(waitedMs: number, cause: unknown) {
    super(
      `PostgreSQL did not answer${waitedMs > 0 ? ` within ${Math.round(waitedMs / 1000)} s` : ''} (${errorMessage(cause)}): ` +
        'start it, or check database.url and database.connect_wait_s',
      { cause },
    );
    this.name = 'DatabaseUnreachableError';
  }
}

/**
 * Waits for the server with a capped backoff while the failure is one a server that is starting or
 * restarting gives (refused or reset connections, 57P01/57P03, class 08). A wrong password or a
 * missing database fails at once: waiting does not fix them.
 */
async function reachServer(database: Database, opts: OpenDatabaseOptions): Promise<void> {
  const waitMs = opts.waitMs ?? 0;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await database.ping();
      return;
    } catch (e) {
      const transient = isTransientConnectError(e);
      if (!transient || Date.now() - started >= waitMs) {
        await database.close().catch(() => undefined);
        if (!transient) throw e;
        throw new DatabaseUnreachableError(waitMs, e);
      }
      opts.onWaiting?.(attempt, e);
      const left = waitMs - (Date.now() - started);
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(2000, 100 * 2 ** attempt, left))));
    }
  }
}

function isTransientConnectError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e instanceof Error && /timeout|terminated|closed/i.test(e.message);
  if (/^E[A-Z]+$/.test(code)) return true;
  return code === '57P01' || code === '57P03' || code.startsWith('08');
}

interface DialectChoice {
  dialect: Dialect;
  kind: StoreDialect;
  sqlite?: BetterSqlite3.Database;
}

async function createDialect(url: string): Promise<DialectChoice> {
  const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const sqlite = await openSqlite(url.slice('sqlite:'.length));
      return { dialect: new SqliteDialect({ database: sqlite }), kind: 'sqlite', sqlite };
    }
    case 'postgres':
    case 'postgresql': {
      const { default: pg } = await import('pg');
      // A server that accepts no connection must not hold callers forever (the request path has
      // failure_policy.timeout_ms; the writers retry).
      const pool = new pg.Pool({
        connectionString: url,
        max: 10,
        connectionTimeoutMillis: 5000,
        keepAlive: true,
      });
      // An idle client that errors (server restart) must not crash the process; the pool replaces it.
      pool.on('error', () => undefined);
      // Nor may a checked-out one: the pool listens only to idle clients, and a server restart that
      // ends a session between two statements of a transaction emits 'error' on the client. Its next
      // statement fails instead, and the pool drops it on release (it is no longer queryable).
      pool.on('connect', (client) => {
        client.on('error', () => undefined);
      });
      return { dialect: new PostgresDialect({ pool }), kind: 'postgres' };
    }
    case 'pglite': {
      const [{ PGlite }, { PGliteDialect }] = await Promise.all([
        import('@electric-sql/pglite'),
        import('./pglite-dialect.js'),
      ]);
      const dataDir = url.slice('pglite:'.length);
      const pg =
        dataDir && dataDir !== 'memory:' ? await PGlite.create(path.resolve(dataDir)) : await PGlite.create();
      return { dialect: new PGliteDialect(pg), kind: 'postgres' };
    }
    default:
      throw new Error(
        'unsupported database URL: use sqlite:<path>, sqlite::memory:, postgres://… or pglite:[<dir>]' +
          (scheme ? ` (got scheme "${scheme}:")` : ''),
      );
  }
}

async function openSqlite(spec: string): Promise<BetterSqlite3.Database> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  // Accept sqlite:///abs/path and sqlite://rel/path as well as the plain form.
  const file = spec.startsWith('//') ? spec.slice(2) : spec;
  if (file === '') throw new Error('sqlite database URL needs a path, e.g. sqlite:.keel/keel.db');
  const memory = file === ':memory:';
  const filename = memory ? ':memory:' : path.resolve(file);
  if (!memory) await mkdir(path.dirname(filename), { recursive: true });
  const sqlite = new BetterSqlite3(filename);
  if (!memory) sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is crash safe for the application; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
