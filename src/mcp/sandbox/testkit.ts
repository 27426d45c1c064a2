import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type McpLocalServerConfig, mcpServerSchema } from '../../config/mcp.js';
import { prepareSandbox, type SandboxOptions, type SandboxSpec } from './index.js';
import { findExecutable } from './paths.js';

/** The sandbox tests run real bubblewrap; without it they are skipped, saying why. */
export const bwrapMissing: string | null = findExecutable('bwrap', process.env.PATH ?? '/usr/bin', '/')
  ? null
  : 'bubblewrap (bwrap) is not installed: the sandbox tests need it (CI installs it)';

/** A local server entry as keel.yaml would give it, defaults filled in by the schema. */
export function localServer(entry: Record<string, unknown>): McpLocalServerConfig {
  const parsed = mcpServerSchema.parse({ id: 'test', ...entry });
  if (!('command' in parsed)) throw new Error('not a local server');
  return parsed;
}

const scratch: string[] = [];

/** A directory the sandbox's uid can read (and write, when `writable`) once granted. */
export function scratchDir(writable = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'keel-sbx-test-'));
  chmodSync(dir, writable ? 0o777 : 0o755);
  scratch.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

type Entry = { env?: Record<string, string>; sandbox?: Record<string, unknown> };

/** A node script's sandbox spec, the script's directory granted read-only. */
export async function prepareNodeScript(source: string, entry: Entry = {}, opts: SandboxOptions = {}) {
  const sandbox = entry.sandbox ?? {};
  const dir = scratchDir();
  const script = join(dir, 'probe.mjs');
  writeFileSync(script, source, { mode: 0o644 });
  const readOnly = [dir, ...((sandbox.read_only as string[] | undefined) ?? [])];
  const server = localServer({
    command: 'node',
    args: [script],
    env: entry.env ?? {},
    sandbox: { ...sandbox, read_only: readOnly },
  });
  return prepareSandbox(server, opts);
}

/** Spawned as the gateway would: the spec's command, args and env only. */
export function spawnSpec(spec: SandboxSpec): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a node script in the sandbox and waits for it to end; killed after `timeoutMs`. */
export async function runNodeScript(
  source: string,
  entry: Entry = {},
  opts: SandboxOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const spec = await prepareNodeScript(source, entry, opts);
  try {
    const started = Date.now();
    const child = spawnSpec(spec);
    const out = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const)
      child[stream].on('data', (c: Buffer) => {
        out[stream] += c.toString();
      });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    clearTimeout(timer);
    return { code, signal, ...out, ms: Date.now() - started };
  } finally {
    await spec.close();
  }
}
