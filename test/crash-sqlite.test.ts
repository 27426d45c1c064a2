import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeOpenAI } from './fakes/index.js';
import { openaiClient, standardConfig } from './helpers/fixtures.js';
import { TEST_ENV } from './helpers/keel.js';
import { usageCounts } from './helpers/usage-counts.js';

/**
 * kill -9 in the middle of load on the single-node default (a SQLite file): every answer a client
 * received has its usage event once Keel is back on the same file and spool. This runs the real
 * `keel start` from the build output (`npm install` / `npm ci` build it): nothing is rebuilt here.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'keel.js');

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-crash-'));
const dbUrl = `sqlite:${path.join(tmp, 'keel.db')}`;
const spoolDir = path.join(tmp, 'spool');
let upstream: FakeUpstream;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  for (const f of ['dist/cli/main.js', 'dist/store/spool/spool.js', 'dist/store/writer-thread/worker.js'])
    if (!existsSync(path.join(ROOT, f)))
      throw new Error(`${f} is missing: this test runs the built Keel; run \`npm run build\` first`);
  upstream = await startFakeOpenAI();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await upstream?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Running {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What the process printed, and the signal that ended it: for failure messages. */
  describe(): string;
}

/** `keel start` on port 0; resolves once it prints where it listens. */
async function startKeel(usage: { flush_interval_ms: number; batch_size: number }): Promise<Running> {
  const config = path.join(tmp, 'keel.yaml');
  // JSON is YAML.
  writeFileSync(
    config,
    JSON.stringify(
      standardConfig(
        { openai: upstream, anthropic: upstream },
        {
          database: { url: dbUrl },
          durability: { spool_dir: spoolDir },
          usage,
          logging: { level: 'error' },
        },
      ),
    ),
  );
  const child = spawn(process.execPath, [BIN, 'start', '--config', config, '--port', '0'], {
    cwd: tmp,
    env: { PATH: process.env.PATH, ...TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let endedBy: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      endedBy = signal;
      resolve(code);
    }),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keel did not start within 15 s:\n${output}`)), 15_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /Keel listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`keel exited (${code}) before listening:\n${output}`));
    });
  });
  return { url, child, exited, describe: () => `signal ${endedBy}; output:\n${output}` };
}

/**
 * Concurrent callers (plain and streamed) until stop() is called; collects the request id of every
 * 200 answer that arrived whole. Calls cut by the kill are not answers the client received.
 */
function load(client: OpenAI, workers: number) {
  const received: string[] = [];
  let stopped = false;
  const one = async (i: number) => {
    if (i % 3 === 0) {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `streamed ${i}` }] })
        .withResponse();
      for await (const _ of stream) {
        // Drain to the end: only a stream that finished cleanly was received.
      }
      return response;
    }
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: `call ${i}` }] })
      .withResponse();
    return response;
  };
  const running = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; !stopped; i += workers) {
      try {
        const response = await one(i);
        const id = response.headers.get('x-keel-request-id');
        if (response.status === 200 && id) received.push(id);
      } catch {
        // Refused connections and resets once the process is gone.
      }
    }
  });
  return {
    received,
    /** Resolves once `count` answers arrived. */
    async until(count: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(received.length).toBeGreaterThanOrEqual(count);
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

describe('kill -9 under load (SQLite file store)', () => {
  it('every answer the clients received has exactly one usage event after a restart', async () => {
    // 1. Nothing reaches the store before the kill (the writer would flush in a minute): every
    //    answer depends on the spool.
    const first = await startKeel({ flush_interval_ms: 60_000, batch_size: 100_000 });
    const l1 = load(openaiClient(first.url), 12);
    await l1.until(150, 10_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    await l1.stop();
    const beforeReplay = await usageCounts(dbUrl, l1.received);
    expect(beforeReplay.size).toBe(0);

    // 2. Restart on the same file and spool (the dead process's lock is stale), load again with
    //    frequent flushes so that the next kill leaves committed and uncommitted events behind.
    const second = await startKeel({ flush_interval_ms: 20, batch_size: 10 });
    const afterReplay = await usageCounts(dbUrl, l1.received);
    expect(l1.received.filter((id) => afterReplay.get(id) !== 1)).toEqual([]);
    const l2 = load(openaiClient(second.url), 12);
    await l2.until(150, 10_000);
    second.child.kill('SIGKILL');
    await second.exited;
    await l2.stop();

    // 3. Restart again, then stop cleanly: everything is in the store once and the spool is empty.
    const third = await startKeel({ flush_interval_ms: 250, batch_size: 250 });
    const all = [...l1.received, ...l2.received];
    expect(new Set(all).size).toBe(all.length);
    const counts = await usageCounts(dbUrl, all);
    expect(all.filter((id) => counts.get(id) !== 1)).toEqual([]);
    third.child.kill('SIGTERM');
    expect(await third.exited, third.describe()).toBe(0);
    expect(readdirSync(spoolDir)).toEqual([]);
  }, 60_000);
});
