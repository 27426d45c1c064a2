import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'LOCK';

/**
 * Takes the spool directory's lock file (O_EXCL, the owner's pid inside) so that two processes never
 * replay, append to or delete the same segments. A lock whose pid is dead is stale and taken over.
 * Our own pid counts as stale too: in a container Keel is often pid 1 after every restart, so a lock
 * naming our pid was left by a previous incarnation (two spools on one directory inside one process
 * are a wiring bug, not something this file can tell apart).
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readPid(path);
      if (holder !== null && holder !== process.pid && pidAlive(holder))
        throw new Error(
          `the spool directory ${dir} is in use by process ${holder}; give each Keel process its own ` +
            `durability.spool_dir (KEEL_SPOOL_DIR), or remove ${path} if no Keel runs with that pid`,
        );
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Only remove a lock that is still ours (a stale-lock takeover elsewhere must not be undone).
      if (readPid(path) === process.pid) unlinkSync(path);
    };
  }
  throw new Error(`could not take the spool lock ${path}: it keeps reappearing`);
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** kill(pid, 0): ESRCH means gone; EPERM means alive under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
