import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** The last lines the child printed, for failure messages. */
  output(): string;
  exited(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 60;

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Child {
  const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  // A missing binary must fail the start-up wait, not crash the test process.
  proc.on('error', (e) => tail.push(`spawn error: ${e.message}`));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const exit = once(proc, 'exit').then(() => undefined);
  const kill = async (signal: NodeJS.Signals) => {
    if (!gone() && proc.pid !== undefined) proc.kill(signal);
    if (proc.pid !== undefined) await exit;
  };
  return {
    name,
    proc,
    output: () => tail.join('\n'),
    exited: gone,
    kill,
    async stop(graceMs = 10_000) {
      if (gone() || proc.pid === undefined) return;
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
  };
}

/** Polls `check` every `everyMs` until it returns true; throws (with the child's output) on timeout or exit. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; everyMs?: number; child?: Child },
): Promise<number> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (;;) {
    if (opts.child?.exited())
      throw new Error(`${opts.child.name} exited while waiting for ${what}:\n${opts.child.output()}`);
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.child ? `:\n${opts.child.output()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}

/** GET `url` and tell whether it answered 2xx. */
export async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}

/** Runs a command to completion, capturing its output. */
export async function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  proc.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
