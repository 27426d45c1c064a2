import { join } from 'node:path';
import type { McpSandboxConfig } from '../../config/mcp.js';
import { FORWARDER_PORT } from './forwarder.js';
import { type Mount, SANDBOX_UID, systemArgs } from './paths.js';

/**
 * The command lines a sandboxed server is started with: bwrap's namespaces and mounts, and the
 * limits inside it. Pure: index.ts makes the files they name.
 */

export const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';
export const RUN_DIR = '/run/keel';
export const MIB = 1024 * 1024;
const SHM_BYTES = 64 * MIB;
/**
 * `memory_mb` bounds what a process allocates (RLIMIT_DATA: heap and private mappings). Address
 * space gets this much more on top: runtimes reserve far more than they touch (Node reserves about
 * 900 MiB at start), and the cap still bounds shared mappings, which RLIMIT_DATA does not count.
 */
const RESERVATION_ALLOWANCE = 4096 * MIB;

export const ETC_FILES = {
  passwd: `nobody:x:${SANDBOX_UID}:${SANDBOX_UID}:nobody:/tmp:/usr/sbin/nologin\n`,
  group: `nogroup:x:${SANDBOX_UID}:\n`,
  hosts: '127.0.0.1 localhost\n::1 localhost\n',
};

/** Keel as root would otherwise be root outside the sandbox's user namespace: drop to nobody first. */
export function outerCommand(bwrap: string, setpriv: string): string[] {
  return process.getuid?.() === 0
    ? [setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--', bwrap]
    : [bwrap];
}

function bindArgs(mounts: Mount[]): string[] {
  return mounts.flatMap((m) => [m.writable ? '--bind' : '--ro-bind', m.src, m.dest]);
}

/** The server's environment as `--setenv` pairs, handed to bwrap through a file so no `ps` shows it. */
export function envArgs(env: Record<string, string>): string {
  return Object.entries(env)
    .flatMap(([k, v]) => ['--setenv', k, v])
    .map((a) => `${a}\0`)
    .join('');
}

export function underTmp(p: string): boolean {
  return p === '/tmp' || p.startsWith('/tmp/');
}

/**
 * prlimit around the server: the soft CPU limit sends SIGXCPU, the hard one a second later SIGKILL
 * (for a process that catches the first); no core files.
 */
export function limitArgs(prlimit: string, sb: McpSandboxConfig, command: string[]): string[] {
  const memory = sb.memory_mb * MIB;
  return [
    prlimit,
    `--cpu=${sb.cpu_seconds}:${sb.cpu_seconds + 1}`,
    `--data=${memory}`,
    `--as=${memory + RESERVATION_ALLOWANCE}`,
    '--core=0',
    '--',
    ...command,
  ];
}

/** The forwarder's script and arguments, ahead of the limited server command (forwarder.ts). */
export function forwarderArgs(): string[] {
  return [`${RUN_DIR}/forwarder.mjs`, String(FORWARDER_PORT), `${RUN_DIR}/egress.sock`];
}

export interface SandboxLayout {
  network: boolean;
  /** Keel's files for the sandbox's /etc and /run/keel. */
  etcDir: string;
  runDir: string;
  mounts: Mount[];
  /** memory_mb in bytes. */
  memory: number;
  cwd: string;
  serverCommand: string[];
}

/** bwrap's options, up to and including the command it runs; the environment comes from fd 3. */
export function sandboxArgs(l: SandboxLayout): string[] {
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    'keel-sandbox',
    ...systemArgs(l.network),
    ...Object.keys(ETC_FILES).flatMap((name) => ['--ro-bind', join(l.etcDir, name), `/etc/${name}`]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // tmpfs is memory too: /tmp may hold no more than the server may allocate, /dev/shm a little.
    '--size',
    String(l.memory),
    '--tmpfs',
    '/tmp',
    '--size',
    String(Math.min(l.memory, SHM_BYTES)),
    '--tmpfs',
    '/dev/shm',
    ...bindArgs(l.mounts),
    '--ro-bind',
    l.runDir,
    RUN_DIR,
    ...(underTmp(l.cwd) ? ['--dir', l.cwd] : []),
    // The root and /dev are tmpfs bwrap made, unbounded: nothing may be written there.
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    '--chdir',
    l.cwd,
    '--clearenv',
    '--args',
    '3',
    '--',
    ...l.serverCommand,
  ];
}
