import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ENV } from './keel.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'keel.js');

export interface KeelProcess {
  url: string;
  child: ChildProcess;
  /** Exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Everything the process printed so far, for failure messages and log assertions. */
  output(): string;
}

/** Fails with a clear message when the build output the process tests run is missing. */
export function requireBuild(): void {
  for (const f of ['dist/cli/main.js', 'dist/store/spool/spool.js', 'dist/store/writer-thread/worker.js'])
    if (!existsSync(path.join(ROOT, f)))
      throw new Error(`${f} is missing: this test runs the built Keel; run \`npm run build\` first`);
}

/**
 * The real `keel start` (from the build output) on port 0 with `config` written as keel.yaml in
 * `dir`; resolves once it prints where it listens, rejects if it exits or stays silent first.
 */
export async function startKeelProcess(
  dir: string,
  config: Record<string, unknown>,
  opts: {
    startTimeoutMs?: number;
    env?: Record<string, string>;
    /** Everything the process prints, as it arrives (before it listens, too). */
    onOutput?: (text: string) => void;
  } = {},
): Promise<KeelProcess> {
  const file = path.join(dir, 'keel.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'start', '--config', file, '--port', '0'], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...TEST_ENV, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const collect = (b: Buffer) => {
    output += b.toString();
    opts.onOutput?.(b.toString());
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keel did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const m = /Keel listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`keel exited (${code}) before listening:\n${output}`));
    });
  });
  return { url, child, exited, output: () => output };
}
