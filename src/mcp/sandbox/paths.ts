import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * What a sandbox may see of the host's file system: the operator's grants (followed to their real
 * paths, since bind mounts do not follow symlinks the way the program will), the command's own
 * directory, and the fixed system set a dynamically linked program needs.
 */

export class SandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

export interface Mount {
  src: string;
  dest: string;
  writable: boolean;
}

/**
 * Never granted whole: a grant equal to or holding one of these is refused (so `/` and `/etc` are
 * refused too). A home such as /root may still have a subdirectory granted deliberately.
 */
const NEVER_WHOLE = ['/etc/shadow', '/etc/gshadow', '/root', '/boot'];
/** Never granted at all: nor any path inside them. Keel adds its store, spool and config. */
const NEVER_WITHIN = ['/proc', '/sys', '/dev'];

export interface Protected {
  whole: string[];
  within: string[];
}

const inside = (x: string, y: string) => x === y || x.startsWith(y === '/' ? '/' : `${y}/`);

/** Each grant bound at its real path and, when that differs, at the path as written. */
export function grantMounts(paths: string[], writable: boolean, guarded: Protected): Mount[] {
  const mounts: Mount[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new SandboxConfigError(`sandbox grant ${p} does not exist`);
    const real = realpathSync(p);
    for (const candidate of new Set([resolve(p), real])) {
      const hit =
        [...guarded.whole, ...guarded.within].find((q) => inside(q, candidate)) ??
        guarded.within.find((q) => inside(candidate, q));
      if (hit) throw new SandboxConfigError(`sandbox grant ${p} overlaps ${hit}, which is never granted`);
    }
    assertReachable(`sandbox grant ${p}`, real);
    for (const dest of new Set([real, resolve(p)])) mounts.push({ src: real, dest, writable });
  }
  return mounts;
}

/** Both lists at their real paths too (a symlinked store is protected at its target as well). */
export function protectedSet(extra: string[]): Protected {
  const withReal = (list: string[]) => [
    ...new Set(list.flatMap((p) => (existsSync(p) ? [resolve(p), realpathSync(p)] : [resolve(p)]))),
  ];
  return { whole: withReal(NEVER_WHOLE), within: withReal([...NEVER_WITHIN, ...extra]) };
}

/** The uid the sandbox runs as (inside, and outside when Keel is root). */
export const SANDBOX_UID = 65534;

/**
 * When Keel is root, bwrap runs as uid 65534 and must reach each grant itself: refused when a
 * directory on the way is closed to it. Otherwise bwrap runs as Keel's own uid.
 */
function assertReachable(what: string, real: string): void {
  const blocked = unreachableForSandboxUid(real);
  if (blocked)
    throw new SandboxConfigError(
      `${what}: ${blocked} is closed to uid ${SANDBOX_UID}, which the sandbox runs as when Keel runs as root`,
    );
}

function unreachableForSandboxUid(real: string): string | null {
  if (process.getuid?.() !== 0) return null;
  let dir = dirname(real);
  const chain: string[] = [];
  while (dir !== '/') {
    chain.unshift(dir);
    dir = dirname(dir);
  }
  for (const d of chain) {
    const st = statSync(d);
    const mine = st.uid === SANDBOX_UID ? 0o100 : st.gid === SANDBOX_UID ? 0o010 : 0o001;
    if ((st.mode & mine) === 0) return d;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The real path of `name` as a shell would run it: on PATH when it has no slash, else from `cwd`. */
export function findExecutable(name: string, pathVar: string, cwd: string): string | null {
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(cwd, name);
    return isExecutable(p) ? realpathSync(p) : null;
  }
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return realpathSync(p);
  }
  return null;
}

/** Already visible through the system mounts: no extra grant needed. */
export function underSystem(p: string): boolean {
  return p === '/usr' || p.startsWith('/usr/');
}

/**
 * Read-only system paths: /usr, and /bin, /sbin, /lib* as the host has them (symlinks into /usr on
 * merged-/usr systems, directories elsewhere). Only single files of /etc, never the directory.
 */
export function systemArgs(withNetwork: boolean): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const p of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
    else if (st.isDirectory()) args.push('--ro-bind', p, p);
  }
  // The dynamic loader's cache and Debian's alternatives (symlinks some /usr/bin entries point at).
  const etc = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'];
  // TLS trust roots for clients that use the system store; useless without a way out.
  if (withNetwork) etc.push('/etc/ssl/certs', '/etc/ssl/openssl.cnf', '/etc/ca-certificates');
  for (const p of etc) args.push('--ro-bind-try', p, p);
  return args;
}

/** Whether `p` is one of the mount destinations or below one. */
export function covered(p: string, mounts: Mount[]): boolean {
  return underSystem(p) || mounts.some((m) => p === m.dest || p.startsWith(`${m.dest}/`));
}

/** The directory the command is bound from (its own directory), unless the system set has it. */
export function commandMount(realCommand: string): Mount | null {
  const dir = dirname(realCommand);
  if (underSystem(dir)) return null;
  assertReachable(`command ${realCommand}`, realCommand);
  return { src: dir, dest: dir, writable: false };
}
