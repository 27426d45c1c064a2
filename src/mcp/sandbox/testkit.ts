import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type McpLocalServerConfig, mcpServerSchema } from '../../config/mcp.js';
import { prepareSandbox, type SandboxOptions } from './index.js';
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

/**
 * Runs a node script in the sandbox as the gateway would spawn it (the spec's command, args and
 * env only) and waits for it to end; killed after `timeoutMs`.
 */
export async function runNodeScript(
  source: string,
  entry: { env?: Record<string, string>; sandbox?: Record<string, unknown> } = {},
  opts: SandboxOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
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
  const spec = await prepareSandbox(server, opts);
  try {
    const started = Date.now();
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
