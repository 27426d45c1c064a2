import type { Io } from './main.js';

/** An Io that keeps what a command prints, for a test to read. */
export function captureIo(env: Io['env'] = {}): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    env,
    stdout: () => out,
    stderr: () => err,
  };
}

/** Run one `keel` command with `argv` and `env`: its exit code and what it printed. */
export async function runCommand(
  cmd: (argv: string[], io: Io) => Promise<number>,
  argv: string[],
  env: Io['env'] = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(env);
  const code = await cmd(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}
