import type { Io } from './main.js';

/** An Io that keeps what a command printed, for tests. */
export function captureIo(env: Io['env'] = {}): Io & { stdout: () => string; stderr: () => string } {
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
