import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { type Database, type OpenDatabaseOptions, openDatabase } from './db.js';

/**
 * The one list of stores every storage suite runs against, Kysely-style:
 *
 *   describe.each(STORES)('key store on $name', (store) => { ... await store.open() ... })
 *
 * A SQLite file, PGlite in-process, and a real PostgreSQL server when KEEL_TEST_POSTGRES_URL is set.
 * `npm run test:postgres` runs every test file that imports this module (vitest.postgres.config.ts), so
 * a new storage suite is covered on the server without being listed anywhere.
 */
export interface TestStore {
  readonly name: 'sqlite' | 'pglite' | 'postgres';
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Two openDatabase() calls on one fresh() URL reach the same data: true for a SQLite file and a server;
   * false for PGlite, which is one in-process instance per open (share the Database instead).
   */
  readonly shared: boolean;
  /** The URL of a new, empty store: a SQLite file, `pglite:`, or a database of its own on the server. */
  fresh(): Promise<string>;
  /** openDatabase() on a new, empty store. */
  open(opts?: OpenDatabaseOptions): Promise<Database>;
}

export interface TestDatabase {
  url: string;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh database on the server `serverUrl` points at, dropped (with its connections) by drop(). */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `keel_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async drop() {
      await pool.end();
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

// Per test file (vitest gives each file its own module graph): one temp dir for the SQLite files, and the
// server databases this file created, all removed after the file.
let sqliteDir: string | undefined;
let sqliteFiles = 0;
const serverDatabases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(serverDatabases.splice(0).map((d) => d.drop()));
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  sqliteDir = undefined;
});

function store(name: TestStore['name'], shared: boolean, fresh: () => Promise<string>): TestStore {
  return {
    name,
    dialect: name === 'sqlite' ? 'sqlite' : 'postgres',
    shared,
    fresh,
    open: async (opts) => openDatabase(await fresh(), opts),
  };
}

export const SQLITE: TestStore = store('sqlite', true, async () => {
  sqliteDir ??= mkdtempSync(path.join(tmpdir(), 'keel-store-'));
  // A directory that does not exist yet: opening the store creates it, as a deployment's would.
  return `sqlite:${path.join(sqliteDir, String(++sqliteFiles), 'keel.db')}`;
});

export const PGLITE: TestStore = store('pglite', false, async () => 'pglite:');

/** The real server, or null when KEEL_TEST_POSTGRES_URL is not set. */
export const POSTGRES: TestStore | null = process.env.KEEL_TEST_POSTGRES_URL
  ? store('postgres', true, async () => {
      const created = await createTestDatabase(process.env.KEEL_TEST_POSTGRES_URL as string);
      serverDatabases.push(created);
      return created.url;
    })
  : null;

export const STORES: readonly TestStore[] = POSTGRES ? [SQLITE, PGLITE, POSTGRES] : [SQLITE, PGLITE];

/** The stores where two connections share one store (replica and lease tests): no PGlite. */
export const SHARED_STORES: readonly TestStore[] = STORES.filter((s) => s.shared);

/**
 * A new, empty store and a way to connect to it again, as replicas do: each call opens a connection of
 * its own to a SQLite file or a server. PGlite is one in-process session, so every call returns that one
 * instance (only the first connection's close() closes it).
 */
export async function connectTo(store: TestStore): Promise<() => Promise<Database>> {
  if (store.shared) {
    const url = await store.fresh();
    return () => openDatabase(url);
  }
  const one = await store.open();
  let first = true;
  return async () => {
    const close = first ? one.close : async () => {};
    first = false;
    return { ...one, close };
  };
}
