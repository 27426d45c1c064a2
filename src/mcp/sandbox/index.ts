import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { durationMs, type McpLocalServerConfig } from '../../config/mcp.js';
import type { PreparedSandbox, PrepareSandbox } from '../types.js';
import {
  BASE_PATH,
  ETC_FILES,
  envArgs,
  forwarderArgs,
  limitArgs,
  MIB,
  outerCommand,
  sandboxArgs,
  underTmp,
} from './args.js';
import { type EgressDecision, parseAllowHosts, startEgressProxy } from './egress.js';
import { FORWARDER_PORT, FORWARDER_SOURCE } from './forwarder.js';
import {
  commandMount,
  covered,
  findExecutable,
  grantMounts,
  protectedSet,
  SANDBOX_UID,
  SandboxConfigError,
  systemArgs,
} from './paths.js';

/**
 * Turns a local MCP server's config into the spawn spec of a bubblewrap sandbox (docs/mcp-sandbox.md):
 * a read-only view of the system and the granted paths only, a private /tmp, every namespace
 * unshared (no network but its own loopback), an unprivileged uid, no capabilities, the configured
 * environment only, and CPU and memory rlimits. With `allow_hosts`, a CONNECT proxy in Keel is the
 * only way out.
 */

export type { EgressDecision } from './egress.js';
export { SANDBOX_UID, SandboxConfigError } from './paths.js';

/**
 * The server has `sandbox.enabled: true` but no sandbox can be made: bubblewrap (or util-linux) is
 * missing, or the host forbids the user namespaces it needs. Keel refuses to start the server.
 */
export class SandboxUnavailableError extends Error {
  constructor(server: string, problem: string, remedy: string) {
    super(
      `MCP server "${server}" is configured to run sandboxed, but ${problem}. ${remedy}, or set ` +
        'sandbox.enabled: false on this server to run it unsandboxed.',
    );
    this.name = 'SandboxUnavailableError';
  }
}

const INSTALL = 'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)';
const execFileP = promisify(execFile);

export interface SandboxOptions {
  /** bubblewrap's path; default: `bwrap` on PATH. null: treat as missing. */
  bwrapPath?: string | null;
  /** Never granted (Keel's store, spool, config…), beside the built-in set (/etc/shadow, /root…). */
  protectedPaths?: string[];
  /** Where per-server run directories are made; default the OS temp dir. */
  tmpRoot?: string;
  /** Every egress request's verdict, for logging. */
  onEgress?: (server: string, decision: EgressDecision) => void;
}

export interface SandboxSpec extends PreparedSandbox {
  sandboxed: boolean;
  /** `sandbox.max_lifetime` in ms (the gateway restarts the process after it); null: unlimited. */
  maxLifetimeMs: number | null;
}

function tool(name: string): string | null {
  return findExecutable(name, process.env.PATH ?? BASE_PATH, process.cwd());
}

function unsandboxed(server: McpLocalServerConfig): SandboxSpec {
  return {
    command: server.command,
    args: server.args,
    env: { PATH: process.env.PATH ?? BASE_PATH, ...server.env },
    ...(server.cwd ? { cwd: server.cwd } : {}),
    close: async () => {},
    sandboxed: false,
    maxLifetimeMs: server.sandbox.max_lifetime ? durationMs(server.sandbox.max_lifetime) : null,
  };
}

/**
 * An empty sandbox, made before the real one: a host without unprivileged user namespaces (or a
 * container that filters them) fails here with bwrap's own words, rather than as a server that
 * dies at every restart.
 */
async function probe(server: string, outer: string[]): Promise<void> {
  const [cmd, ...pre] = outer as [string, ...string[]];
  const args = [...pre, '--unshare-all', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID)];
  args.push(...systemArgs(false), '--proc', '/proc', '--dev', '/dev', '--', '/usr/bin/true');
  try {
    await execFileP(cmd, args, { timeout: 10_000, env: { PATH: BASE_PATH } });
  } catch (e) {
    const said = String((e as { stderr?: string }).stderr ?? '').trim() || (e as Error).message;
    throw new SandboxUnavailableError(
      server,
      `bubblewrap cannot make a sandbox on this host (${said})`,
      'Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or a container runtime that permits them)',
    );
  }
}

export async function prepareSandbox(
  server: McpLocalServerConfig,
  opts: SandboxOptions = {},
): Promise<SandboxSpec> {
  const sb = server.sandbox;
  if (!sb.enabled) return unsandboxed(server);

  const bwrap = opts.bwrapPath === undefined ? tool('bwrap') : opts.bwrapPath;
  if (!bwrap || !findExecutable(bwrap, '', process.cwd()))
    throw new SandboxUnavailableError(server.id, 'bubblewrap (bwrap) was not found', INSTALL);
  const prlimit = tool('prlimit');
  const setpriv = tool('setpriv');
  if (!prlimit || !setpriv)
    throw new SandboxUnavailableError(server.id, "util-linux's prlimit or setpriv was not found", INSTALL);
  const outer = outerCommand(bwrap, setpriv);
  await probe(server.id, outer);

  const command = findExecutable(server.command, process.env.PATH ?? BASE_PATH, server.cwd ?? process.cwd());
  if (!command)
    throw new SandboxConfigError(`MCP server "${server.id}": command ${server.command} not found`);

  const guarded = protectedSet(opts.protectedPaths ?? []);
  const mounts = [...grantMounts(sb.read_only, false, guarded), ...grantMounts(sb.read_write, true, guarded)];
  const commandDir = commandMount(command);
  if (commandDir) mounts.unshift(commandDir);
  const network = sb.allow_hosts.length > 0;
  const node = realpathSync(process.execPath);
  const nodeDir = network ? commandMount(node) : null;
  if (nodeDir) mounts.unshift(nodeDir);

  const cwd = server.cwd ?? '/tmp';
  if (!underTmp(cwd) && !covered(cwd, mounts))
    throw new SandboxConfigError(
      `MCP server "${server.id}": cwd ${cwd} is not inside a granted path or /tmp`,
    );

  const memory = sb.memory_mb * MIB;
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), `keel-sandbox-${server.id}-`));
  let proxy: { close(): Promise<void> } | null = null;
  try {
    // The run dir is traversable by the sandbox's uid; the env file beside it stays Keel's alone.
    await chmod(dir, 0o711);
    const etcDir = join(dir, 'etc');
    const runDir = join(dir, 'run');
    await mkdir(etcDir, { mode: 0o755 });
    await mkdir(runDir, { mode: 0o755 });
    for (const [name, text] of Object.entries(ETC_FILES))
      await writeFile(join(etcDir, name), text, { mode: 0o644 });

    const env: Record<string, string> = { PATH: BASE_PATH, HOME: '/tmp', ...server.env };
    if (network) {
      const url = `http://127.0.0.1:${FORWARDER_PORT}`;
      Object.assign(env, { HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url });
      Object.assign(env, { NO_PROXY: '', no_proxy: '', NODE_USE_ENV_PROXY: '1' });
      await writeFile(join(runDir, 'forwarder.mjs'), FORWARDER_SOURCE, { mode: 0o644 });
      const allow = parseAllowHosts(sb.allow_hosts);
      proxy = await startEgressProxy(join(runDir, 'egress.sock'), allow, (d) =>
        opts.onEgress?.(server.id, d),
      );
    }
    const envFile = join(dir, 'env');
    await writeFile(envFile, envArgs(env), { mode: 0o600 });

    const inner = limitArgs(prlimit, sb, [command, ...server.args]);
    const bwrapArgs = sandboxArgs({
      network,
      etcDir,
      runDir,
      mounts,
      memory,
      cwd,
      serverCommand: network ? [node, ...forwarderArgs(), ...inner] : inner,
    });
    return {
      command: '/bin/sh',
      // fd 3 carries the environment to bwrap's --args; sh opens it and then is replaced.
      args: ['-c', 'exec 3<"$0" || exit 126; exec "$@"', envFile, ...outer, ...bwrapArgs],
      env: { PATH: BASE_PATH },
      close: async () => {
        await proxy?.close();
        await rm(dir, { recursive: true, force: true });
      },
      sandboxed: true,
      maxLifetimeMs: sb.max_lifetime ? durationMs(sb.max_lifetime) : null,
    };
  } catch (e) {
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The gateway's `PrepareSandbox`, with Keel's options bound (src/build.ts). */
export function createPrepareSandbox(opts: SandboxOptions = {}): PrepareSandbox {
  return (server) => prepareSandbox(server, opts);
}
