import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeOpenAI } from './fakes/index.js';

/**
 * SIGTERM on a real `keel start` process: unready at once, still accepting during the drain, then
 * refusing new connections; a short call finishes, a long stream is ended with an error event at the
 * grace deadline, and the process exits 0 shortly after.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DRAIN_S = 1;
const GRACE_S = 4;

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-shutdown-'));
let upstream: FakeUpstream;
let child: ChildProcess | undefined;
let url = '';
let output = '';
const waiters: Array<{ text: string; resolve: () => void }> = [];

/** Resolves when the process has written `text` (a log message) to stdout or stderr. */
function printed(text: string, timeoutMs = 15_000): Promise<void> {
  if (output.includes(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`keel never printed "${text}"; output:\n${output}`)),
      timeoutMs,
    );
    waiters.push({
      text,
      resolve: () => {
        clearTimeout(t);
        resolve();
      },
    });
  });
}

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: build Keel first (`npx tsc -p tsconfig.build.json`) to run this test');
  upstream = await startFakeOpenAI({ apiKey: 'sk-upstream-test' });
  const configFile = path.join(tmp, 'keel.yaml');
  // JSON is YAML.
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { drain_s: DRAIN_S, shutdown_grace_s: GRACE_S },
      database: { url: `sqlite:${path.join(tmp, 'keel.db')}` },
      logging: { level: 'info' },
      providers: [{ id: 'oai', kind: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream-test' }],
      models: [{ name: 'gpt-4o', targets: [{ provider: 'oai', model: 'gpt-4o' }] }],
      routing: { retries: { max: 0 } },
    }),
  );
  const proc = spawn(process.execPath, ['bin/keel.js', 'start', '--config', configFile, '--port', '0'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of [...waiters])
      if (output.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  await printed('Keel listening on ');
  url = /Keel listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await upstream?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function chat(stream: boolean): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Whether a brand-new TCP connection to Keel is accepted. */
function accepts(): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: hostname, port: Number(port) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('keel start: SIGTERM', () => {
  it('drains, ends the open stream at the grace deadline and exits 0 in time', async () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    // The stream would take ~50 s; the short call ~1 s, well inside the grace.
    upstream.enqueue({ text: words, chunkDelayMs: 500 }, { text: 'short answer', delayMs: 1000 });
    const longRes = await chat(true);
    expect(longRes.status).toBe(200);
    const reader = longRes.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    const shortPending = chat(false);
    // In flight at SIGTERM: the upstream has it (the fake records requests as they arrive).
    for (let i = 0; upstream.requests.length < 2; i++) {
      if (i > 200) throw new Error('the short call never reached the upstream');
      await new Promise((r) => setTimeout(r, 10));
    }

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const t0 = Date.now();
    child!.kill('SIGTERM');
    await printed('/readyz is unready');

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    await ready.body?.cancel();
    expect(Date.now() - t0).toBeLessThan(DRAIN_S * 1000);

    const short = await shortPending;
    expect(short.status).toBe(200);
    const body = (await short.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('short answer');

    await printed('no new connections');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(DRAIN_S * 1000 - 50);
    expect(await accepts()).toBe(false);

    let rest = new TextDecoder().decode(first.value);
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      rest += new TextDecoder().decode(r.value);
    }
    const endedAfter = Date.now() - t0;
    expect(endedAfter).toBeGreaterThanOrEqual(GRACE_S * 1000 - 100);
    expect(endedAfter).toBeLessThan(GRACE_S * 1000 + 1500);
    const events = rest.split('\n\n').filter((e) => e.startsWith('data: '));
    const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error?: { message: string } };
    expect(last.error?.message).toMatch(/shutting down/);
    expect(rest).not.toContain('[DONE]');

    const code = await exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(GRACE_S * 1000 + 3000);
    // The calls were flushed to the store before exit.
    expect(output).toContain('flushing usage');
  }, 30_000);
});
