// @ts-check
/**
 * Child processes of the benchmark: the fake upstream and Keel itself. Each gets its own process so
 * that neither shares an event loop with the load generator (autocannon runs in the parent).
 */
import { fork, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const FAKE_UPSTREAM = fileURLToPath(new URL('../fake-upstream.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** @returns {Promise<number>} a port that was free a moment ago on 127.0.0.1 */
export function freePort() {
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

/**
 * @typedef {object} Child
 * @property {import('node:child_process').ChildProcess} proc
 * @property {string} url base URL, no trailing slash
 * @property {() => string} output the last lines the child printed (for diagnostics)
 * @property {() => number} linesPrinted lines printed since start
 * @property {(timeoutMs?: number) => Promise<number | null>} stop SIGTERM, then SIGKILL after the timeout
 */

/** @param {import('node:child_process').ChildProcess} proc */
function captureOutput(proc) {
  /** @type {string[]} */
  const tail = [];
  let lines = 0;
  /** @type {((line: string) => void)[]} */
  const watchers = [];
  /** @param {Buffer} buf */
  const onData = (buf) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      lines++;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      for (const w of watchers) w(line);
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return {
    output: () => tail.join('\n'),
    linesPrinted: () => lines,
    /** @param {(line: string) => void} w */
    watch: (w) => watchers.push(w),
  };
}

/** @param {import('node:child_process').ChildProcess} proc */
function stopper(proc) {
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => {
    if (proc.exitCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });
  return async (timeoutMs = 15_000) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
}

/** @returns {Promise<Child>} */
export function startFakeUpstream() {
  const proc = fork(FAKE_UPSTREAM, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const out = captureOutput(proc);
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`fake upstream exited (${code}):\n${out.output()}`)));
    proc.once('message', (msg) => {
      const port = /** @type {{ port: number }} */ (msg).port;
      resolve({ proc, url: `http://127.0.0.1:${port}`, ...out, stop: stopper(proc) });
    });
  });
}

/**
 * Starts `node bin/keel.js start [--config <file>] --port <port>` and waits until /healthz answers.
 * @param {{ root: string, configPath?: string, port: number, env: NodeJS.ProcessEnv, nodeArgs?: string[] }} opts
 * @returns {Promise<Child>}
 */
export async function startKeel({ root, configPath, port, env, nodeArgs = [] }) {
  const config = configPath === undefined ? [] : ['--config', configPath];
  const args = [...nodeArgs, 'bin/keel.js', 'start', ...config, '--port', String(port)];
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = captureOutput(proc);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`keel exited before it was ready:\n${out.output()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return { proc, url, ...out, stop: stopper(proc) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`keel did not answer ${url}/healthz within 30 s:\n${out.output()}`);
}

/**
 * Keel from this checkout as the benches run it: production mode, config and port from the arguments
 * (also as KEEL_CONFIG / KEEL_PORT, for code that reads them), and its own spool directory: the
 * checkout's default .keel/spool is locked by any Keel running from it, and the lock allows one
 * process per directory.
 * @param {{ configPath: string, port: number, spoolDir: string, databaseUrl?: string,
 *   env?: NodeJS.ProcessEnv, nodeArgs?: string[] }} opts
 * @returns {Promise<Child>}
 */
export function startBenchKeel({ configPath, port, spoolDir, databaseUrl, env = process.env, nodeArgs }) {
  return startKeel({
    root: ROOT,
    configPath,
    port,
    ...(nodeArgs === undefined ? {} : { nodeArgs }),
    env: {
      ...env,
      NODE_ENV: 'production',
      KEEL_CONFIG: configPath,
      KEEL_PORT: String(port),
      KEEL_SPOOL_DIR: spoolDir,
      ...(databaseUrl === undefined ? {} : { KEEL_DATABASE_URL: databaseUrl }),
    },
  });
}

/**
 * Resident memory of a process from /proc (Linux only): current and peak ("high water mark"), in MB.
 * @param {number} pid
 * @returns {Promise<{ rssMb: number, peakRssMb: number } | null>}
 */
export async function readMemory(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    /** @param {string} key */
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat.
 * @param {number} pid
 * @returns {Promise<number | null>}
 */
export async function readCpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100; // USER_HZ is 100 on every Linux we run on
  } catch {
    return null;
  }
}
