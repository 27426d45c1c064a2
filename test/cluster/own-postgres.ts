import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './procs.js';

/**
 * A PostgreSQL server this test owns (so it may stop and restart it), from the binaries of a
 * postgresql package: initdb into a temp directory, `postgres` on a free loopback port. As root it
 * runs as the `postgres` user (PostgreSQL refuses root).
 */
export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  start(): Promise<void>;
  /** Fast shutdown (SIGINT): open connections are closed, as in a restart. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

function findBinDir(): string | null {
  const candidates = [process.env.KEEL_TEST_PG_BIN];
  try {
    for (const v of readdirSync('/usr/lib/postgresql').sort().reverse())
      candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // not a Debian layout
  }
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, 'initdb'), constants.X_OK);
      accessSync(path.join(dir, 'postgres'), constants.X_OK);
      return dir;
    } catch {
      // not here
    }
  }
  return null;
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** Why an own server cannot be started here, or null when it can. */
export function ownPostgresUnavailable(): string | null {
  if (!findBinDir()) return 'no PostgreSQL server binaries (initdb, postgres); set KEEL_TEST_PG_BIN';
  if (process.getuid?.() === 0 && !postgresUser()) return 'running as root without a postgres user';
  return null;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = findBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries');
  const asUser = process.getuid?.() === 0 ? postgresUser() : null;
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-own-pg-'));
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const ids = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
  const data = path.join(dir, 'data');
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres'], {
    ...ids,
    stdio: 'ignore',
  });
  const port = await freePort();
  let proc: ChildProcess | null = null;
  let log = '';

  const connectable = async () => {
    const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const server: OwnPostgres = {
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      const p = spawn(
        path.join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off'],
        { ...ids, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc = p;
      p.stdout!.on('data', (b: Buffer) => {
        log = (log + b.toString()).slice(-4000);
      });
      p.stderr!.on('data', (b: Buffer) => {
        log = (log + b.toString()).slice(-4000);
      });
      const deadline = Date.now() + 20_000;
      while (!(await connectable())) {
        if (p.exitCode !== null || Date.now() > deadline)
          throw new Error(`own PostgreSQL did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGINT');
      await exited;
      proc = null;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
